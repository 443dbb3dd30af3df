package tcp

import (
	"time"

	"github.com/tcpbox/tcpbox/stack/tcp/cc"
)

// processAck is the fifth step of RFC 9293 §3.10.7.4 for an ACK already
// validated (RFC 5961 §5.2): advance SND.UNA, sample the RTT, drive
// congestion control and loss recovery (RFC 5681, RFC 6582), take a
// window update, and move the closing states on when our FIN is acked.
func (c *Conn) processAck(now time.Duration, seg *Segment) {
	ack := seg.Ack
	wnd := int(seg.Window) << c.sndShift
	acked := ack.Sub(c.sndUna)
	prior := c.flight()
	dup := acked == 0 && len(seg.Payload) == 0 && seg.Flags&(SYN|FIN) == 0 &&
		c.sndMax != c.sndUna && wnd == c.sndWnd // RFC 5681 §2: a duplicate ACK
	if c.sackOK {
		c.onAckSACK(now, seg, acked, dup) // RFC 6675, RACK-TLP, PRR: recovery.go
	} else if acked > 0 {
		c.onNewAck(now, seg, acked, prior)
		c.traceAck(now)
	} else if dup {
		c.onDupAck(now)
	}
	c.ecnOnAck(now, seg) // RFC 3168 §6.1.2
	if acked > 0 {
		c.sndBufOnAck()
	}
	// RFC 9293 §3.10.7.4: update the send window only from a segment
	// newer than the one that last did (SND.WL1, SND.WL2).
	if c.sndWl1.LessThan(seg.Seq) || (c.sndWl1 == seg.Seq && c.sndWl2.LessEq(ack)) {
		if wnd > c.sndWnd {
			c.events |= EventWritable
		}
		c.sndWnd, c.sndWl1, c.sndWl2 = wnd, seg.Seq, ack
		c.maxSndWnd = max(c.maxSndWnd, wnd)
		if wnd > 0 {
			c.persistAt = 0
			c.probes = 0
		}
	}
	if acked <= 0 || !c.finSent || c.sndUna != c.finSeq.Add(1) {
		return
	}
	// Our FIN is acknowledged.
	switch c.state {
	case FinWait1:
		c.setState(now, FinWait2)
		if c.userClosed && c.cfg.FinTimeout > 0 {
			c.finWait2At = now + c.cfg.FinTimeout
		}
	case Closing:
		c.enterTimeWait(now)
	case LastAck:
		c.setState(now, Closed)
	}
}

// flight is the bytes sent and not acknowledged (or rewound by an RTO).
func (c *Conn) flight() int { return c.sndNxt.Sub(c.sndUna) }

// ackAdvance moves SND.UNA to the segment's ACK: frees the acknowledged
// send-buffer bytes, takes an RTT sample and restarts the retransmission
// timer. It returns the data bytes newly acknowledged and the RTT sample
// (0 if none).
func (c *Conn) ackAdvance(now time.Duration, seg *Segment) (int, time.Duration) {
	ack := seg.Ack
	c.stats.lastAckRecv = now
	c.sndUna = ack
	if c.sndNxt.LessThan(ack) {
		c.sndNxt = ack
	}
	// Drop acknowledged bytes from the send buffer (the FIN and SYN hold
	// no buffer bytes).
	d := min(ack.Sub(c.sndBufSeq), c.snd.n)
	if d > 0 {
		c.snd.consume(d)
		c.sndBufSeq = c.sndBufSeq.Add(d)
		c.stats.bytesAcked += uint64(d)
		c.events |= EventWritable
	}
	// RTT sample (RFC 7323 §4.1 with timestamps, else one timed segment
	// at a time with Karn's rule, RFC 6298 §3).
	//
	// A segment sent once and delivered whole by this ACK gives the
	// sample first, from its send time on the stack's nanosecond clock
	// (as Linux's seq_rtt from first_ackt). The timestamp clock ticks in
	// milliseconds: on a sub-millisecond path every echo reads 0 or 1 ms,
	// which drove min_rtt to 1µs and SRTT to a mix of 1µs and 1 ms
	// samples, so PTO (2*SRTT) fired before the ACK could arrive and
	// resent segments that were never lost. The echo is the fallback
	// when every delivered segment was retransmitted or SACKed before
	// (RFC 7323 §4.1 then still measures the right transmission).
	var r time.Duration
	if r = c.seqRTT(now, ack); r > 0 {
		c.rttTiming = false
	} else if c.tsOK && seg.Options.HasTS && seg.Options.TSEcr != 0 {
		if d := int32(c.tsNow(now) - seg.Options.TSEcr); d >= 0 {
			// An echo read in the same tick says "under one tick", not
			// "zero": count one tick, as Linux does, so a sub-millisecond
			// path cannot drive min_rtt and SRTT to nothing.
			r = max(time.Duration(d)*time.Millisecond, time.Millisecond)
		}
		c.rttTiming = false
	} else if c.rttTiming && c.rttSeq.LessThan(ack) {
		r = now - c.rttAt
		c.rttTiming = false
	}
	if r > 0 {
		c.rtt.sample(r)
	}
	c.backoff, c.retries, c.probes = 0, 0, 0
	// RFC 6298 §5.2 and §5.3.
	if c.sndUna == c.sndMax {
		c.rtoAt = 0
		c.unackedAt = 0
	} else {
		c.rtoAt = now + c.rtt.rto
		c.unackedAt = now
	}
	return max(d, 0), r
}

// seqRTT is the RTT of the earliest segment the cumulative ACK delivers
// whole that was sent only once and not SACKed before (a SACKed segment
// was delivered earlier; a retransmitted one is ambiguous, Karn's rule of
// RFC 6298 §3). 0 when there is none. Called before txq.acked.
func (c *Conn) seqRTT(now time.Duration, ack Seq) time.Duration {
	for i := 0; i < c.txq.n; i++ {
		s := c.txq.at(i)
		if ack.LessThan(s.end) {
			break
		}
		if s.sacked || s.retx || s.lost || s.rexmit {
			continue
		}
		return max(now-s.rec.SentTime, time.Microsecond)
	}
	return 0
}

func (c *Conn) onNewAck(now time.Duration, seg *Segment, acked, prior int) {
	ack := seg.Ack
	d, r := c.ackAdvance(now, seg)
	// Congestion control.
	c.ccs.InFlight = c.flight()
	c.ccs.SRTT, c.ccs.MinRTT = c.rtt.srtt, c.rtt.minRTT
	// The Ack lives in the Conn: passed through the interface it would
	// escape, and the receive path must not allocate.
	// The algorithm hears of data bytes only, not of our SYN or FIN.
	c.ccAck = cc.Ack{Now: now, Acked: d, PriorInFlight: prior, RTT: r}
	a := &c.ccAck
	c.txq.acked(&c.rs, now, ack)
	a.Rate = c.rs.Sample(now)
	if a.Rate.Valid && (!a.Rate.AppLimited || a.Rate.Rate() > c.rate) {
		c.rate = a.Rate.Rate()
	}
	if c.inRecovery {
		if ack.GreaterEq(c.recover) {
			// RFC 6582 §3.2 step 5, full acknowledgement: leave recovery.
			c.algo.OnAck(&c.ccs, a)
			c.inRecovery, c.ccs.InRecovery = false, false
			c.algo.OnEvent(&c.ccs, cc.EventRecoveryExit, now)
		} else {
			// Partial acknowledgement: retransmit the next hole and
			// deflate the window (NewReno does it in OnAck).
			c.algo.OnAck(&c.ccs, a)
			if _, ok := c.algo.(cc.DupAcker); !ok {
				w := c.ccs.Cwnd - acked
				if acked >= c.sndMSS { // RFC 6582 §3.2 step 5 deflation
					w += c.sndMSS
				}
				c.ccs.Cwnd = max(w, c.sndMSS)
			}
			c.retxNow = true
			c.rs.OnLost(min(c.sndMSS, c.flight()))
		}
	} else {
		c.algo.OnAck(&c.ccs, a)
	}
	c.dupAcks = 0
}

// onDupAck counts duplicate ACKs and starts fast retransmit at the
// DupThresh-th, the third by default (RFC 5681 §3.2, RFC 6582 §3.2 steps
// 1-4).
func (c *Conn) onDupAck(now time.Duration) {
	c.dupAcks++
	c.stats.dupAcksIn++
	if c.inRecovery {
		if d, ok := c.algo.(cc.DupAcker); ok {
			d.OnDupAck(&c.ccs, now)
		} else {
			c.ccs.Cwnd += c.sndMSS // RFC 5681 §3.2 step 4
		}
		return
	}
	// DupThresh: 3 in RFC 5681 §3.2, Config.Reordering here (Linux's
	// tcp_reordering applies without SACK too).
	if c.dupAcks != c.sb.thresh() || c.sndUna.LessThan(c.recover) {
		// RFC 6582 §3.2 step 2: no new recovery while the ACK does not
		// cover "recover" (the data outstanding at the last loss event).
		return
	}
	c.recover = c.sndMax
	c.inRecovery, c.ccs.InRecovery = true, true
	c.ccs.InFlight = c.flight()
	c.algo.OnEvent(&c.ccs, cc.EventFastRecovery, now)
	if _, ok := c.algo.(cc.DupAcker); !ok {
		c.ccs.Cwnd = c.ccs.Ssthresh + 3*c.sndMSS // RFC 5681 §3.2 step 3
	}
	c.retxNow = true
	c.stats.fastRetrans++
	c.rs.OnLost(min(c.sndMSS, c.flight()))
}

// enterTimeWait starts the 2 MSL wait (RFC 9293 §3.4.2).
func (c *Conn) enterTimeWait(now time.Duration) {
	c.setState(now, TimeWait)
	c.rtoAt, c.persistAt, c.keepAt, c.finWait2At, c.delAckAt = 0, 0, 0, 0, 0
	c.sb.rack.timerAt, c.tlpAt = 0, 0
	c.twAt = now + 2*c.cfg.MSL
}
