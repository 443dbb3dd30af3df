package tcp

import "time"

// The rescue retransmission of RFC 6675 §4, NextSeg rule (4), for SACK
// recovery without RACK (RACK-TLP's probe covers the same tail losses,
// RFC 8985 §7). When a loss at the end of the window leaves nothing
// marked lost to resend (rule 1), no new data to send (rule 2) and no
// unSACKed hole below the highest SACK (rule 3), the sender may, once
// per recovery, resend the highest outstanding unSACKed segment, so that
// the ACK clock keeps going instead of waiting for the timeout.
//
// RescueRxt is kept as an end (one past the octet of the RFC): the
// recovery's start sets it to the end of the first retransmission
// (§5 step 4.3), so no rescue goes before the cumulative ACK passes it;
// a rescue sets it to RecoveryPoint (c.recover), which the ACK passes
// only as recovery ends. The rescued segment is marked retransmitted
// like any other, so pipe counts both its copies (the conservative
// reading of §4's note on rules 3 and 4).

// startRescue is §5 step 4.3's RescueRxt for a recovery just begun.
func (c *Conn) startRescue() {
	c.sb.rescueRxt = c.sndUna
	for i := 0; i < c.txq.n; i++ {
		if s := c.txq.at(i); s.lost && !s.sacked {
			c.sb.rescueRxt = MinSeq(s.end, s.start.Add(c.sndMSS))
			return
		}
	}
}

// rescue sends rule (4)'s segment when every condition holds, reporting
// whether it did. sendData calls it after lost segments and new data had
// their turn.
func (c *Conn) rescue(now time.Duration, emit func(*Segment)) bool {
	if !c.sackOK || !c.inRecovery || c.rackOn() || c.sb.lost > 0 {
		return false // not RFC 6675 recovery, or rule (1) has a segment
	}
	// RFC 6675 §5 (C): send only while cwnd - pipe >= 1 SMSS.
	if c.ccs.Cwnd-c.sb.pipe < c.sndMSS {
		return false
	}
	// Rule (4): HighACK > RescueRxt, in octets (SND.UNA-1 > end-1).
	if !c.sndUna.GreaterThan(c.sb.rescueRxt) {
		return false
	}
	// Rule (2): unsent data the peer's window admits goes first.
	if unsent := c.snd.n - c.sndNxt.Sub(c.sndBufSeq); unsent > 0 && c.sndWnd-c.flight() >= min(unsent, c.sndMSS) {
		return false
	}
	var top *txSeg
	sackedAbove := false
	for i := c.txq.n - 1; i >= 0; i-- {
		s := c.txq.at(i)
		if s.end.Sub(MaxSeq(s.start, c.sndUna)) <= 0 {
			break
		}
		if s.sacked {
			sackedAbove = true
			continue
		}
		if top == nil {
			top = s
		}
		if sackedAbove && !s.rexmit {
			// Rule (3)'s condition holds for s (an unSACKed hole below
			// the highest SACK, never retransmitted): rule (4) is not
			// for this state.
			return false
		}
	}
	if top == nil || top.sacked {
		return false
	}
	start := MaxSeq(top.start, c.sndUna)
	if top.end.Sub(start) > c.sndMSS {
		start = top.end.Add(-c.sndMSS) // it must include the highest octet
	}
	if c.paced(now, top.end.Sub(start)) || !c.resend(now, top, start, top.end.Sub(start), emit) {
		return false
	}
	c.sb.rescueRxt = c.recover // RescueRxt = RecoveryPoint
	c.stats.rescues++
	return true
}
