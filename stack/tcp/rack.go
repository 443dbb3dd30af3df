package tcp

import "time"

// RACK (RFC 8985 §6): time-based loss detection. A segment is lost when a
// segment sent after it has been delivered and more than an RTT plus a
// reordering window has passed since it was sent. The reordering window
// is zero until reordering has been seen, then a quarter of the minimum
// RTT, widened by each round that brings a D-SACK (§6.2 step 4).
//
// Tail loss probes (RFC 8985 §7) are in tlp.go.

type rackState struct {
	xmitTs     time.Duration // RACK.xmit_ts: send time of the most recently sent segment delivered
	endSeq     Seq           // RACK.end_seq
	rtt        time.Duration // RACK.rtt
	valid      bool          // a segment has been delivered since the connection began
	reordSeen  bool          // RACK.reordering_seen
	reoMult    int           // RACK.reo_wnd_mult (0 means 1)
	reoPersist int           // RACK.reo_wnd_persist
	dsackRound Seq           // RACK.dsack_round
	inRound    bool          // dsackRound is set
	timerAt    time.Duration // the reordering timer (§6.3); 0: not armed
}

func (c *Conn) rackOn() bool { return c.cfg.RACK && c.sackOK }

// rackUpdate is RACK_update (§6.2 step 2) for one delivered segment.
func (c *Conn) rackUpdate(now time.Duration, s *txSeg) {
	r := &c.sb.rack
	sent := s.rec.SentTime
	rtt := now - sent
	if s.rexmit && rtt < c.rtt.minRTT {
		// An ACK for the original transmission, not for this one: the
		// sample would be too short (§6.2 step 2).
		return
	}
	r.rtt = rtt
	if !r.valid || sent > r.xmitTs || (sent == r.xmitTs && r.endSeq.LessThan(s.end)) {
		r.xmitTs, r.endSeq, r.valid = sent, s.end, true
	}
}

// rackOnDSACK is the D-SACK part of RACK_update_reo_wnd (§6.2 step 4):
// at most once per round trip, widen the window by one more quarter
// min_RTT and keep it wide for 16 recoveries. A D-SACK also shows that
// reordering (or delay) made a retransmission unnecessary, so reordering
// counts as seen.
func (c *Conn) rackOnDSACK() {
	r := &c.sb.rack
	if r.inRound && c.sndUna.GreaterEq(r.dsackRound) {
		r.inRound = false
	}
	if !r.inRound {
		r.inRound, r.dsackRound = true, c.sndMax
		r.reoMult = max(r.reoMult, 1) + 1
		r.reoPersist = 16
	}
	if !r.reordSeen {
		c.sb.reordSeen++
	}
	r.reordSeen = true
}

// rackRecoveryDone counts down the persistence of a widened window when
// a recovery ends (§6.2 step 4).
func (c *Conn) rackRecoveryDone() {
	r := &c.sb.rack
	if r.reoPersist > 0 {
		r.reoPersist--
		if r.reoPersist == 0 {
			r.reoMult = 1
		}
	}
}

// rackReoWnd is RACK_update_reo_wnd's result (§6.2 step 4).
func (c *Conn) rackReoWnd() time.Duration {
	r := &c.sb.rack
	if !r.reordSeen {
		// RFC 6675's DupThresh of 3, not Config.Reordering: the knob
		// tunes the DupThresh rule that RACK replaces, and leaves RACK's
		// initial window as RFC 8985 gives it (Linux reads
		// tcp_reordering here too).
		if c.inRecovery || c.sb.caLoss || c.sb.sackedSegs >= defaultDupThresh {
			return 0
		}
	}
	w := c.rtt.minRTT / 4 * time.Duration(max(r.reoMult, 1))
	if c.rtt.srtt > 0 {
		w = min(w, c.rtt.srtt)
	}
	return w
}

// rackDetectLoss is RACK_detect_loss (§6.2 step 5): marks lost every
// segment sent before the most recently delivered one whose time is up,
// and arms the reordering timer for the earliest one not yet due.
func (c *Conn) rackDetectLoss(now time.Duration) {
	r := &c.sb.rack
	r.timerAt = 0
	if !r.valid {
		return
	}
	reo := c.rackReoWnd()
	var wait time.Duration
	for i := 0; i < c.txq.n; i++ {
		s := c.txq.at(i)
		if s.sacked || (s.lost && !s.rexmit) {
			continue
		}
		sent := s.rec.SentTime
		if !(sent < r.xmitTs || (sent == r.xmitTs && s.end.LessThan(r.endSeq))) {
			// Sent after the newest delivered segment: no verdict yet,
			// nor for any later record if this one and those were sent
			// only once, in order (their send times ascend).
			if c.txq.sentOnce(s) {
				if checkRackStop != nil {
					checkRackStop(c, i)
				}
				break
			}
			continue
		}
		remaining := sent + r.rtt + reo - now
		if remaining <= 0 {
			l := s.end.Sub(MaxSeq(s.start, c.sndUna))
			c.txq.marked = true
			s.lost, s.rexmit = true, false // a lost retransmission is lost again
			c.sb.newlyLost += max(l, 0)
			continue
		}
		wait = max(wait, remaining)
	}
	if wait > 0 {
		r.timerAt = now + wait // §6.3
	}
}

// onReorderTimer is the RACK reordering timer expiring (§6.3): detect
// losses again now that more time has passed, and start recovery if some
// were found; Output then retransmits them.
func (c *Conn) onReorderTimer(now time.Duration) {
	c.sb.rack.timerAt = 0
	if !c.rackOn() || c.sndUna == c.sndMax {
		return
	}
	c.detectLoss(now)
	c.maybeEnterRecovery(now)
	if c.inRecovery && c.prrOn() {
		c.ccs.Cwnd = max(c.ccs.Cwnd, c.sb.pipe+c.sndMSS)
	}
}
