package tcp

import (
	"time"

	"github.com/tcpbox/tcpbox/stack/tcp/cc"
)

// SACK-based loss recovery (RFC 6675), with RACK (RFC 8985) as the loss
// detector when Config.RACK is on, PRR (RFC 6937) sizing what is sent
// during recovery when Config.PRR is on, and D-SACK undo (dsack.go).
// Connections without SACK keep the NewReno recovery of ack.go.

// onAckSACK processes the acknowledgement part of a segment on a
// connection that negotiated SACK, in the order cc's doc asks for:
// scoreboard, cumulative ACK, loss detection, recovery transitions,
// then the algorithm.
func (c *Conn) onAckSACK(now time.Duration, seg *Segment, acked int, dup bool) {
	prior := c.sb.pipe
	priorSacked := c.sb.sacked
	dsacks := c.sb.dsackIn
	orig := false // the ACK covers data never retransmitted (F-RTO)
	if acked > 0 {
		// Segments the cumulative ACK covers that no SACK had reported
		// are delivered now (RACK and reordering look at them), before
		// the SACK blocks above them.
		for i := 0; i < c.txq.n; i++ {
			s := c.txq.at(i)
			if seg.Ack.LessThan(s.end) {
				break
			}
			if !s.sacked {
				c.delivered(now, s)
				orig = orig || !s.rexmit
			}
		}
	}
	newly := c.sackInput(now, seg)
	var d int
	var r time.Duration
	if acked > 0 {
		d, r = c.ackAdvance(now, seg)
		c.txq.acked(&c.rs, now, seg.Ack)
		c.dupAcks = 0
	} else if dup || newly > 0 {
		// RFC 6675 §2: an ACK carrying new SACK information counts as a
		// duplicate.
		c.dupAcks++
		c.stats.dupAcksIn++
	}
	if c.sb.caLoss && c.sndUna.GreaterEq(c.recover) {
		c.sb.caLoss = false // the timeout's recovery is complete
	}
	c.tlpOnAck(now, c.sb.dsackIn != dsacks)
	if c.frto.step != 0 {
		c.frtoOnAck(now, d, orig)
	}
	c.detectLoss(now)
	c.maybeEnterRecovery(now)

	c.ccs.InFlight = c.sb.pipe
	c.ccs.SRTT, c.ccs.MinRTT = c.rtt.srtt, c.rtt.minRTT
	c.ccAck = cc.Ack{Now: now, Acked: d, Sacked: newly, PriorInFlight: prior, RTT: r}
	a := &c.ccAck
	a.Rate = c.rs.Sample(now)
	if a.Rate.Valid && (!a.Rate.AppLimited || a.Rate.Rate() > c.rate) {
		c.rate = a.Rate.Rate()
	}
	if d > 0 || newly > 0 {
		c.algo.OnAck(&c.ccs, a)
	} else if c.inRecovery && dup {
		if da, ok := c.algo.(cc.DupAcker); ok && c.ownsRecoveryWindow() {
			da.OnDupAck(&c.ccs, now)
		}
	}
	if c.inRecovery && c.sndUna.GreaterEq(c.recover) {
		// RFC 6675 §5: the cumulative ACK reached RecoveryPoint.
		c.inRecovery, c.ccs.InRecovery = false, false
		c.algo.OnEvent(&c.ccs, cc.EventRecoveryExit, now)
		c.rackRecoveryDone()
		c.traceEvent(now, cc.EventRecoveryExit)
	} else if c.inRecovery && c.prrOn() {
		// RFC 6937 §3 DeliveredData: the change in SND.UNA plus the
		// change in SACKed bytes (bytes SACKed before and now covered by
		// the cumulative ACK count once).
		delivered := max(d+c.sb.sacked-priorSacked, 0)
		first := c.sb.prr.out == 0 && c.sb.prr.delivered == 0
		n := c.sb.prr.sndcnt(delivered, c.sb.pipe, c.ccs.Ssthresh, c.sndMSS, first)
		c.ccs.Cwnd = c.sb.pipe + n
	}
	c.armTLP(now)
	c.traceAck(now)
}

// detectLoss marks segments lost: RACK when it is on, else RFC 6675's
// IsLost; then the totals are recomputed and the rate sampler told.
func (c *Conn) detectLoss(now time.Duration) {
	c.sb.newlyLost = 0
	if c.rackOn() {
		c.scan(false) // the SACKed count RACK's window depends on
		c.rackDetectLoss(now)
		c.scan(false)
	} else {
		c.scan(true)
	}
	if c.sb.newlyLost > 0 {
		c.rs.OnLost(c.sb.newlyLost)
	}
}

// maybeEnterRecovery starts loss recovery when a segment is marked lost,
// or (without RACK, RFC 6675 §5 step 4) at DupThresh duplicate ACKs, in
// which case the first unacknowledged segment is the one retransmitted.
// After a timeout no new recovery starts before its recovery point is
// acknowledged (RFC 6675 §5.1).
func (c *Conn) maybeEnterRecovery(now time.Duration) {
	if c.inRecovery || c.sb.caLoss || c.sndUna == c.sndMax {
		return
	}
	if c.sb.lost == 0 {
		if c.rackOn() || c.dupAcks < c.sb.thresh() || c.sndUna.LessThan(c.recover) {
			return
		}
		// RFC 6675 §5 (4.3): retransmit the first segment not SACKed.
		for i := 0; i < c.txq.n; i++ {
			if s := c.txq.at(i); !s.sacked && !s.rexmit {
				s.lost, c.txq.marked = true, true
				l := s.end.Sub(MaxSeq(s.start, c.sndUna))
				c.rs.OnLost(l)
				break
			}
		}
		c.scan(false)
		if c.sb.lost == 0 {
			return
		}
	}
	c.recover = c.sndMax // RFC 6675 §5 (4.1) RecoveryPoint = HighData
	c.inRecovery, c.ccs.InRecovery = true, true
	// cc's order: the algorithm sees the FlightSize, before the lost
	// bytes leave InFlight.
	flight := c.flightSize()
	c.ccs.InFlight = flight
	c.algo.OnEvent(&c.ccs, cc.EventFastRecovery, now)
	c.ccs.InFlight = c.sb.pipe
	c.sb.prr.start(flight) // RecoverFS: before the algorithm reduced cwnd
	c.startRescue()
	c.startUndo()
	c.stats.fastRetrans++
	c.traceEvent(now, cc.EventFastRecovery)
}

// prrOn reports whether PRR sizes the window during this recovery: it is
// configured, and the algorithm does not own its recovery window (BBR
// and Fixed set it themselves).
func (c *Conn) prrOn() bool { return c.cfg.PRR && !c.ownsRecoveryWindow() }

func (c *Conn) ownsRecoveryWindow() bool {
	switch c.algo.(type) {
	case *cc.BBR, *cc.Fixed:
		return true
	}
	return false
}

// rtoSACK is the timeout on a SACK connection: every segment not SACKed
// is marked lost, to be retransmitted in order as the window allows;
// SACKed segments are not sent again (RFC 6675 §5.1). The caller has told
// the algorithm (EventRTO) already.
func (c *Conn) rtoSACK(now time.Duration) {
	c.sb.newlyLost = 0
	for i := 0; i < c.txq.n; i++ {
		s := c.txq.at(i)
		if s.sacked {
			continue
		}
		if !s.lost || s.rexmit {
			c.sb.newlyLost += max(s.end.Sub(MaxSeq(s.start, c.sndUna)), 0)
		}
		s.lost, s.rexmit = true, false
		c.txq.marked = true
	}
	c.rs.OnLost(c.sb.newlyLost)
	if c.inRecovery {
		c.rackRecoveryDone()
	}
	c.inRecovery, c.ccs.InRecovery = false, false
	c.sb.caLoss = true
	c.sb.rack.timerAt = 0
	c.recover = c.sndMax
	c.dupAcks = 0
	c.retxNow = false
	c.rttTiming = false
	c.scan(false)
	c.ccs.InFlight = c.sb.pipe
	c.startUndo()
	c.frtoStart()
	c.traceEvent(now, cc.EventRTO)
}

// sendLost retransmits segments marked lost, lowest first, while the
// congestion window has room (RFC 6675 §5 NextSeg rule 1; RFC 8985 §6.2
// retransmits what RACK marked). It reports whether it sent anything and
// stops early when pacing holds the next segment.
func (c *Conn) sendLost(now time.Duration, emit func(*Segment)) bool {
	sent := false
	for i := 0; i < c.txq.n && c.sb.lost > 0; i++ {
		s := c.txq.at(i)
		if s.sacked || !s.lost || s.rexmit {
			continue
		}
		start := MaxSeq(s.start, c.sndUna)
		l := s.end.Sub(start)
		if l <= 0 {
			continue
		}
		n := min(l, c.sndMSS)
		if c.ccs.Cwnd-c.sb.pipe < min(n, c.sndMSS) {
			break
		}
		if c.paced(now, n) {
			break
		}
		if !c.resend(now, s, start, n, emit) {
			continue
		}
		c.sb.lost -= l
		c.sb.lostSegs--
		sent = true
	}
	return sent
}

// resend retransmits n bytes of record s from start (a lost segment, or
// a tail loss probe) and updates the scoreboard and counters. It reports
// false when nothing of the record is left to send.
func (c *Conn) resend(now time.Duration, s *txSeg, start Seq, n int, emit func(*Segment)) bool {
	l := s.end.Sub(start)
	seg := c.seg(start, 0)
	off := start.Sub(c.sndBufSeq)
	if off >= 0 && off < c.snd.n {
		seg.Payload = c.snd.slice(off, min(n, c.snd.n-off))
	}
	if c.finSent && c.finSeq == start.Add(len(seg.Payload)) && c.finSeq.LessThan(s.end) {
		seg.Flags |= FIN
	}
	if seg.Len() == 0 {
		return false
	}
	c.rs.OnSend(now, &s.rec, c.sb.pipe)
	c.txq.noteRetx(s.end)
	if !s.rexmit {
		c.sb.pipe += l
		c.sb.retransOut += l
		c.sb.retransSeg++
	}
	s.rexmit = true
	c.pacer.OnSend(now, len(seg.Payload))
	if c.inRecovery {
		c.sb.prr.out += l
	}
	if c.sb.undo.active {
		c.sb.undo.retrans++
		c.sb.undo.any = true
	}
	c.stats.totalRetrans++
	c.stats.bytesRetrans += uint64(len(seg.Payload))
	c.rttTiming = false // Karn (RFC 6298 §3)
	if c.rtoAt == 0 {
		c.rtoAt = now + c.rtt.backedOff(c.backoff)
	}
	c.persistAt = 0
	c.ccs.InFlight = c.sb.pipe
	c.finish(now, seg, emit)
	return true
}

// flightSize is RFC 5681's FlightSize for the algorithm's reduction
// (ssthresh from it, RFC 5681 (4), RFC 9438 §4.6). With SACK the
// outstanding sequence space also holds SACKed and lost data that is no
// longer in the network, and after a lossy recovery it can far exceed
// the window the sender was allowed; it is capped at cwnd then, as Linux
// bases its reductions on cwnd.
func (c *Conn) flightSize() int {
	f := c.sndMax.Sub(c.sndUna)
	if c.sackOK && c.ccs.Cwnd > 0 {
		f = min(f, c.ccs.Cwnd)
	}
	return f
}
