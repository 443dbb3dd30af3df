package tcp

import (
	"time"

	"github.com/tcpbox/tcpbox/stack/tcp/cc"
)

// Tail loss probes (RFC 8985 §7): when the last segments of a flight are
// lost, no ACK comes back to tell RACK, and only the retransmission
// timer would recover. A probe timeout (PTO) of about two round trips
// sends one segment -- new data if there is some, else the last segment
// again -- whose ACK lets RACK or SACK find the loss; if the probe alone
// repaired a loss, the window is reduced as fast recovery would have
// (§7.4.2).

type tlpState struct {
	pending bool // the PTO fired: Output sends the probe
	out     bool // a probe is outstanding (TLP.end_seq is set)
	endSeq  Seq  // TLP.end_seq: SND.MAX after the probe
	retrans bool // the probe was a retransmission
	dsacked bool // a D-SACK reported the probe a duplicate: nothing was lost
	newData bool // the probe may send one new segment beyond cwnd
}

// wcDelAckT is the worst-case delayed-ACK timer of RFC 8985 §7.2.
const wcDelAckT = 200 * time.Millisecond

// tlpSlack is added to 2*SRTT when more than one segment is in flight:
// the scheduling and batching delay an ACK may meet before we see it.
const tlpSlack = 10 * time.Millisecond

func (c *Conn) tlpOn() bool { return c.cfg.TLP && c.rackOn() }

// armTLP schedules the PTO (RFC 8985 §7.2) when data is outstanding,
// no recovery is under way and no probe is outstanding.
func (c *Conn) armTLP(now time.Duration) {
	if !c.tlpOn() || c.inRecovery || c.sb.caLoss || c.tlp.out || c.sndUna == c.sndMax || c.rtoAt == 0 {
		c.tlpAt = 0
		return
	}
	pto := time.Second
	if c.rtt.srtt > 0 {
		pto = 2 * c.rtt.srtt
		if c.sndMax.Sub(c.sndUna) <= c.sndMSS {
			pto += wcDelAckT
		} else {
			// RFC 8985 §7.2 leaves room for timer granularity; Linux adds
			// TCP_TIMEOUT_MIN. On a sub-millisecond path 2*SRTT is shorter
			// than the time an ACK can wait in the receive batch of a busy
			// host, and a probe then resends data that was never lost.
			pto += tlpSlack
		}
	}
	// Never later than the retransmission timer.
	c.tlpAt = min(now+pto, c.rtoAt)
}

// onTLP is the PTO expiring (§7.3): the probe goes out in Output.
func (c *Conn) onTLP(now time.Duration) {
	c.tlpAt = 0
	if c.sndUna == c.sndMax || c.inRecovery || c.sb.caLoss {
		return
	}
	c.tlp.pending = true
	c.stats.tlps++
}

// tlpRetransmit sends the probe: one new segment if the send buffer and
// the peer's window have one (allowed past cwnd), else the last segment
// sent again.
func (c *Conn) tlpRetransmit(now time.Duration, emit func(*Segment)) bool {
	if !c.tlp.pending {
		return false
	}
	c.tlp.pending = false
	unsent := c.snd.n - c.sndNxt.Sub(c.sndBufSeq)
	if unsent > 0 && c.sndWnd-c.flight() >= min(unsent, c.sndMSS) {
		c.tlp.newData = true // sendData's loop sends it
		c.tlp.out, c.tlp.retrans, c.tlp.dsacked = true, false, false
		return false
	}
	sent := false
	for i := c.txq.n - 1; i >= 0; i-- {
		s := c.txq.at(i)
		if s.sacked {
			continue
		}
		start := MaxSeq(s.start, c.sndUna)
		if s.end.Sub(start) <= 0 {
			break
		}
		// The last segment: its bytes, from its end back one MSS.
		if n := s.end.Sub(start); n > c.sndMSS {
			start = s.end.Add(-c.sndMSS)
		}
		if c.resend(now, s, start, s.end.Sub(start), emit) {
			sent = true
			c.tlp.out, c.tlp.retrans, c.tlp.dsacked = true, true, false
			c.tlp.endSeq = c.sndMax
		}
		break
	}
	// §7.3: the retransmission timer restarts after a probe.
	c.rtoAt = now + c.rtt.backedOff(c.backoff)
	return sent
}

// tlpOnAck ends a probe episode once the ACK covers it (§7.4): a probe
// retransmission that arrived while the original had too (D-SACK) shows
// no loss; one that repaired a loss gets fast recovery's reduction.
func (c *Conn) tlpOnAck(now time.Duration, dsack bool) {
	if !c.tlp.out {
		return
	}
	if dsack {
		c.tlp.dsacked = true
	}
	if c.sndUna.LessThan(c.tlp.endSeq) {
		return
	}
	c.tlp.out = false
	if !c.tlp.retrans || c.tlp.dsacked || c.inRecovery || c.sb.caLoss {
		return
	}
	// §7.4.2: the probe repaired a loss.
	c.ccs.InFlight = c.flightSize()
	c.algo.OnEvent(&c.ccs, cc.EventFastRecovery, now)
	c.algo.OnEvent(&c.ccs, cc.EventRecoveryExit, now)
	c.ccs.InFlight = c.sb.pipe
	c.stats.tlpRecoveries++
	c.traceEvent(now, cc.EventFastRecovery)
}
