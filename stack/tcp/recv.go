package tcp

import "time"

// text is the seventh and eighth steps of RFC 9293 §3.10.7.4: place the
// segment's payload (trimmed to the window, RFC 9293 §3.10.7.4 first
// step) into the receive buffer, in order or out of order, decide how to
// acknowledge it, and take the FIN. lend, if not nil, may let the receive
// buffer keep p where it arrived (recvbuf.go).
func (c *Conn) text(now time.Duration, seq Seq, p []byte, fin bool, ts *Options, lend PayloadLender) {
	switch c.state {
	case Established, FinWait1, FinWait2:
	default:
		// CLOSE-WAIT, CLOSING, LAST-ACK, TIME-WAIT: the peer already sent
		// its FIN; anything more is a retransmission.
		if len(p) > 0 || fin {
			c.ackNow = true
		}
		return
	}
	if len(p) > 0 && c.readClosed {
		// The application closed and will never read this: reset so the
		// peer learns (RFC 2525 §2.17, Linux).
		c.stats.drops++
		c.Abort()
		return
	}
	end := seq.Add(len(p)) // where the FIN sits, if any
	// Trim what we already have.
	if seq.LessThan(c.rcvNxt) {
		d := c.rcvNxt.Sub(seq)
		if d > len(p) {
			d = len(p)
		}
		if d > 0 && c.dsackOK() {
			c.dsack, c.dsackPending = SACKBlock{seq, seq.Add(d)}, true // RFC 2883 §4 (1)
			c.stats.dsackDups++
		}
		p = p[d:]
		seq = seq.Add(d)
		c.ackNow = true
	}
	// Trim what lies beyond the window we advertised.
	if right := MaxSeq(c.rcvAdvEdge, c.rcvNxt); seq.Add(len(p)).GreaterThan(right) {
		k := max(0, right.Sub(seq))
		p = p[:k]
		fin = false
		c.ackNow = true
	}
	if len(p) > 0 {
		c.stats.lastDataRecv = now
		c.rcvMSS = max(c.rcvMSS, min(len(p), c.advMSS))
		if seq == c.rcvNxt {
			hadHoles := !c.ooo.empty()
			copied := 0
			if span := c.rcv.n + c.oooSpan(); !c.rcv.keep(p, span, lend) {
				c.rcv.put(0, p, span)
				copied = len(p)
			}
			nxt := c.ooo.advance(c.rcvNxt.Add(len(p)))
			c.rcv.inOrder(copied + nxt.Sub(c.rcvNxt) - len(p))
			c.stats.bytesRecv += uint64(nxt.Sub(c.rcvNxt))
			c.rcvNxt = nxt
			c.rcvRTTSample(now, ts.TSEcr, ts.HasTS)
			c.events |= EventReadable
			if hadHoles {
				c.ackNow = true // RFC 5681 §4.2: ACK at once when a gap fills
			}
			c.scheduleAck(now, len(p))
			c.growRcvClamp(len(p))
		} else {
			c.outOfOrder(now, seq, p)
		}
	}
	if fin {
		if end == c.rcvNxt {
			c.acceptFin(now)
		} else if end.GreaterThan(c.rcvNxt) {
			c.peerFinPending, c.peerFinSeq = true, end
			c.ackNow = true
		}
	} else if c.peerFinPending && c.peerFinSeq == c.rcvNxt {
		c.acceptFin(now)
	}
}

// outOfOrder stores a segment beyond RCV.NXT (RFC 9293 §3.10.7.4: "segments
// with higher beginning sequence numbers ... may be held for later
// processing") and asks for an immediate duplicate ACK (RFC 5681 §4.2)
// with quick-ACK mode for what follows.
func (c *Conn) outOfOrder(now time.Duration, seq Seq, p []byte) {
	end := seq.Add(len(p))
	c.ackNow = true
	c.quickAcks = c.cfg.QuickAcks
	c.stats.reord++
	if b, dup := c.ooo.overlap(seq, end); dup && c.dsackOK() {
		c.dsack, c.dsackPending = b, true // RFC 2883 §4 (2)
		c.stats.dsackDups++
	}
	span := c.rcv.n + c.oooSpan()
	if !c.ooo.add(seq, end) {
		c.stats.drops++
		return
	}
	c.rcv.put(seq.Sub(c.rcvNxt), p, span)
}

// scheduleAck applies the delayed-ACK policy (RFC 9293 §3.8.6.3, RFC
// 5681 §4.2): at least every second full-sized segment, quick ACKs at the
// start and after reordering, otherwise within the delayed-ACK timeout.
func (c *Conn) scheduleAck(now time.Duration, n int) {
	c.unackedRcv += n
	switch {
	case c.ackNow:
	case c.cfg.DelayedAck == 0:
		c.ackNow = true
	case c.quickAcks > 0:
		c.quickAcks--
		c.ackNow = true
	case c.unackedRcv >= 2*c.rcvMSS:
		c.ackNow = true
	case c.delAckAt == 0:
		c.delAckAt = now + c.cfg.DelayedAck
	}
}

// acceptFin takes the peer's FIN once everything before it arrived
// (RFC 9293 §3.10.7.4 eighth step).
//
// A FIN that moves us to CLOSE-WAIT is acknowledged within the delayed-ACK
// timeout rather than at once, as Linux does (tcp_fin enters ping-pong
// mode): an application that closes when it reads the end of the stream
// sends its FIN meanwhile, and the FIN carries the ACK, one segment
// instead of two. Data already waiting for an ACK keeps its own
// deadline, and quick-ACK mode does not apply.
func (c *Conn) acceptFin(now time.Duration) {
	c.rcvNxt = c.rcvNxt.Add(1)
	c.peerFin = true
	c.peerFinPending = false
	c.events |= EventReadable
	switch c.state {
	case SynReceived, Established:
		if c.cfg.DelayedAck == 0 {
			c.ackNow = true
		} else if c.delAckAt == 0 {
			c.delAckAt = now + c.cfg.DelayedAck
		}
		c.setState(now, CloseWait)
		return
	}
	c.ackNow = true
	switch c.state {
	case FinWait1:
		// Our FIN is not yet acknowledged (or processAck would have moved
		// us to FIN-WAIT-2): simultaneous close.
		c.setState(now, Closing)
	case FinWait2:
		c.enterTimeWait(now)
	}
}
