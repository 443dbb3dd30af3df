package tcp

import (
	"time"

	"github.com/tcpbox/tcpbox/stack/tcp/cc"
)

// Output emits every segment due at now: timer work (retransmissions,
// probes, delayed ACKs), the SYN or SYN-ACK, data, the FIN, ACKs and
// RSTs. The segment passed to emit, and its Payload (send-buffer memory),
// are valid only during the call.
func (c *Conn) Output(now time.Duration, emit func(*Segment)) {
	c.now = max(c.now, now)
	c.timers(now)
	if c.rstPending {
		c.rstPending = false
		s := &c.out
		*s = c.rst
		s.SrcPort, s.DstPort = c.local.Port(), c.remote.Port()
		s.Options = NoOptions
		s.Payload = nil
		c.stats.segsOut++
		emit(s)
	}
	switch c.state {
	case Closed, Listen, StateInvalid:
		return
	case SynSent:
		if c.synPending {
			c.sendSyn(now, emit, false)
		}
		return
	case SynReceived:
		if c.synPending {
			c.sendSyn(now, emit, true)
			return
		}
	}
	sent := false
	if c.state != TimeWait && c.state != SynReceived {
		sent = c.sendData(now, emit)
	}
	if c.probePending {
		c.probePending = false
		if !sent {
			// A probe (zero window, RFC 9293 §3.8.6.1, or keepalive,
			// RFC 9293 §3.8.4) is an ACK with a sequence number the peer
			// has seen already, which it must answer with an ACK.
			s := c.seg(c.sndUna.Add(-1), 0)
			c.finish(now, s, emit)
			sent = true
		}
	}
	c.chronoUpdate(now)
	if c.ackNow && !sent {
		c.finish(now, c.seg(c.ackSeq(), 0), emit)
	}
}

// ackSeq is the sequence number of a pure ACK: SND.MAX, not a rewound
// SND.NXT (after go-back-N the peer's RCV.NXT may be past SND.NXT), but
// never beyond the right edge of the peer's window, where its
// acceptability test would refuse it (Linux's tcp_acceptable_seq).
func (c *Conn) ackSeq() Seq {
	return MinSeq(c.sndMax, c.sndUna.Add(c.sndWnd))
}

// seg starts an outgoing segment in c.out.
func (c *Conn) seg(seq Seq, f Flags) *Segment {
	s := &c.out
	*s = Segment{Seq: seq, Flags: f | ACK}
	return s
}

// finish fills in what every segment after the SYN carries (the ACK, the
// window, timestamps, SACK blocks) and emits it (RFC 9293 §3.10.7.4:
// every segment carries the current RCV.NXT).
func (c *Conn) finish(now time.Duration, s *Segment, emit func(*Segment)) {
	s.SrcPort, s.DstPort = c.local.Port(), c.remote.Port()
	s.Ack = c.rcvNxt
	s.Window = c.windowField()
	s.Options = NoOptions
	if c.tsOK {
		// RFC 7323 §3.2: once negotiated, on every segment.
		s.Options.HasTS = true
		s.Options.TSVal = c.tsNow(now)
		s.Options.TSEcr = c.tsRecent
	}
	if c.sackOK && (!c.ooo.empty() || c.dsackPending) {
		n := 4
		if c.tsOK {
			n = 3 // 40 option bytes: 12 for timestamps leave room for 3 blocks (RFC 2018 §3)
		}
		var d *SACKBlock
		if c.dsackPending {
			d = &c.dsack
		}
		s.Options.NumSACK = c.ooo.blocks(s.Options.SACK[:], n, d)
	}
	c.dsackPending = false
	c.ecnOutput(s, s.ECN == ECNECT0)
	c.lastAckSent = c.rcvNxt
	c.ackNow = false
	c.delAckAt = 0
	c.unackedRcv = 0
	segs := 1
	if s.SegSize > 0 {
		segs = len(s.Payload) / s.SegSize
	}
	c.stats.segsOut += uint64(segs)
	if len(s.Payload) > 0 {
		c.stats.dataSegsOut += uint64(segs)
		c.stats.lastDataSent = now
	}
	emit(s)
}

// tsNow is our timestamp clock: milliseconds plus a per-connection offset
// (RFC 7323 §5.4: between 1 ms and 1 s per tick).
func (c *Conn) tsNow(now time.Duration) uint32 {
	return uint32(now/time.Millisecond) + c.tsOff
}

// sendSyn emits our SYN or SYN-ACK with the options we offer (RFC 9293
// §3.7.1, RFC 7323 §2.2, §3.2, RFC 2018 §2).
func (c *Conn) sendSyn(now time.Duration, emit func(*Segment), synAck bool) {
	c.synPending = false
	s := &c.out
	*s = Segment{SrcPort: c.local.Port(), DstPort: c.remote.Port(), Seq: c.iss, Flags: SYN}
	switch {
	case synAck && c.ecn.ok:
		s.Flags |= ECE // RFC 3168 §6.1.1: agree
	case !synAck && c.ecnAsks():
		s.Flags |= ECE | CWR // ask
	}
	s.Window = c.synWindowField()
	s.Options = NoOptions
	s.Options.MSS = uint16(c.advMSS)
	if synAck {
		s.Flags |= ACK
		s.Ack = c.rcvNxt
		c.rcvAdvEdge = c.rcvNxt.Add(int(s.Window))
		if c.wsOK {
			s.Options.WScale = int8(c.rcvShift)
		}
		s.Options.SACKPermitted = c.sackOK
		if c.tsOK {
			s.Options.HasTS, s.Options.TSVal, s.Options.TSEcr = true, c.tsNow(now), c.tsRecent
		}
		c.lastAckSent = c.rcvNxt
	} else {
		if c.offerWS {
			s.Options.WScale = int8(c.cfg.rcvShift())
		}
		s.Options.SACKPermitted = c.cfg.SACK
		if c.cfg.Timestamps {
			s.Options.HasTS, s.Options.TSVal = true, c.tsNow(now)
		}
	}
	if c.sndMax == c.iss {
		c.rttTiming, c.rttAt = true, now
	} else {
		c.stats.totalRetrans++
		c.stats.rtoRetrans++
	}
	c.sndNxt = c.iss.Add(1)
	c.sndMax = c.sndNxt
	c.rtoAt = now + c.rtt.backedOff(c.backoff)
	c.stats.segsOut++
	emit(s)
}

// sendData sends what the windows, Nagle, cork and SWS avoidance allow:
// a pending retransmission first, then new (or, after a timeout, rewound)
// data, then the FIN. It reports whether it emitted anything.
func (c *Conn) sendData(now time.Duration, emit func(*Segment)) bool {
	sent := false
	c.pacer.Wake(now) // a late pacing timer's lateness is made up for now or never
	if c.retxNow {
		c.retxNow = false
		sent = c.retransmitHead(now, emit)
	}
	if c.sackOK && c.sb.lost > 0 && !c.frto.newData {
		sent = c.sendLost(now, emit) || sent
	}
	sent = c.tlpRetransmit(now, emit) || sent
	override := c.forceSend
	c.forceSend = false
	nxt := c.sndNxt
	for {
		off := c.sndNxt.Sub(c.sndBufSeq)
		avail := c.snd.n - off
		if avail > 0 {
			inflight := c.inflight() // the RFC 6675 pipe with SACK
			usable := min(c.ccs.Cwnd-inflight, c.sndWnd-c.flight())
			if c.sackOK && c.sb.lost > 0 && !c.frto.newData {
				usable = 0 // lost segments go before new data (RFC 6675 §5 NextSeg)
			}
			n := min(avail, c.sndMSS)
			if c.tlp.newData && usable < n {
				usable = min(n, c.sndWnd-c.flight()) // a tail loss probe (RFC 8985 §7.3)
			}
			retrans := c.sndNxt.LessThan(c.sndMax)
			if usable < n {
				// RFC 9293 §3.8.6.2.1: a partial segment goes only if it
				// is at least half the largest window the peer offered,
				// or the override timer (our persist timer) fired.
				if usable <= 0 || !(usable >= c.maxSndWnd/2 || override) {
					// The window, not the application, limits sending
					// (cc.Sender.AppLimited would otherwise stay set from
					// an earlier idle moment and stop window growth).
					c.ccs.AppLimited = false
					c.armPersist(now, usable, c.flight())
					break
				}
				n = usable
			} else if n < c.sndMSS && !retrans && !c.finQueued {
				// A short segment: TCP_CORK holds it (Linux); Nagle
				// (RFC 896, RFC 9293 §3.7.4) holds it while data is
				// unacknowledged.
				if c.cork || (!c.noDelay && inflight > 0) {
					break
				}
			}
			if c.paced(now, n) {
				c.ccs.AppLimited = false
				break
			}
			if inflight == 0 && !retrans && c.cfg.SlowStartAfterIdle && c.algo != nil &&
				now-c.lastSendAt > c.rtt.rto && c.stats.bytesSent > 0 {
				c.algo.OnEvent(&c.ccs, cc.EventIdleRestart, now) // RFC 5681 §4.1
			}
			if c.sendRun > 0 && n == c.sndMSS && !retrans {
				if c.sendRunOf(now, off, min(usable, avail-1), emit) {
					sent = true
					continue
				}
			}
			p := c.snd.slice(off, n)
			if len(p) == 0 {
				break // cannot happen with avail > 0; never spin
			}
			s := c.seg(c.sndNxt, 0)
			s.Payload = p
			end := off + len(p)
			if end == c.snd.n {
				s.Flags |= PSH
				if c.finQueued && (!c.finSent || c.finSeq == c.sndNxt.Add(len(p))) {
					s.Flags |= FIN
				}
			}
			c.transmitted(now, s, retrans)
			c.finish(now, s, emit)
			sent = true
			if c.tlp.newData {
				c.tlp.newData = false
				c.tlp.endSeq = c.sndMax
			}
			continue
		}
		if avail <= 0 && !c.finQueued && c.sndNxt == c.sndMax && c.inflight() < c.ccs.Cwnd {
			// The application, not the window, limits sending
			// (delivery-rate estimation's app-limited mark).
			c.rs.MarkAppLimited(c.inflight())
			c.ccs.AppLimited = true
		} else {
			c.ccs.AppLimited = false
		}
		if c.finQueued && avail == 0 && (!c.finSent || c.sndNxt == c.finSeq) {
			// RFC 9293 §3.10.4: the FIN follows the data.
			s := c.seg(c.sndNxt, FIN)
			c.transmitted(now, s, c.finSent)
			c.finish(now, s, emit)
			sent = true
		}
		break
	}
	c.cwndValidate(c.sndNxt != nxt)
	if c.tlp.newData {
		c.tlp.newData, c.tlp.out = false, false // the probe could not go
	}
	sent = c.rescue(now, emit) || sent
	if c.frto.newData && sent {
		c.frto.newData = false // F-RTO step 2b: the new data went; wait for its ACK
	} else if c.frto.newData && c.snd.n-c.sndNxt.Sub(c.sndBufSeq) <= 0 {
		c.frto = frtoState{} // nothing new to probe with: conventional recovery (RFC 5682 §4 step 2b)
		sent = c.sendLost(now, emit) || sent
	}
	return sent
}

// SetSendRun lets Output emit up to bytes of full segments as one
// run (Segment.SegSize) instead of one segment at a time: for a glue that
// sends them as one TCP segmentation offload super-segment, or cuts them
// itself. The segments on the wire, and every piece of the connection's
// state, are what emitting them one by one would give. 0 turns runs off
// (the default).
func (c *Conn) SetSendRun(bytes int) { c.sendRun = max(bytes, 0) }

// sendRunOf sends, as one run (Segment.SegSize), the full segments of new
// data from send-buffer offset off that room bytes allow, when that is at
// least two and nothing would treat one of them apart from the others: it
// reports whether it sent. The caller has decided that a full segment of
// new data goes now; every further one in the run would be decided the
// same way by sendData's loop, which this saves its per-segment work:
// the window and cwnd room shrink by exactly the segments sent, pacing is
// off, no loss recovery, tail loss probe, F-RTO probe, CWR mark or D-SACK
// block (which only the first would carry) is pending, and room stops
// short of the segment that empties the send buffer, which goes alone
// with PSH (and perhaps FIN).
func (c *Conn) sendRunOf(now time.Duration, off, room int, emit func(*Segment)) bool {
	mss := c.sndMSS
	k := min(room, c.sendRun) / mss
	if k < 2 || c.inRecovery || c.tlp.newData || c.frto.newData || c.ecn.cwrPending || c.dsackPending || c.pacingRate() != 0 {
		return false
	}
	p := c.snd.slice(off, k*mss) // shorter where the ring wraps
	if k = len(p) / mss; k < 2 {
		return false
	}
	s := c.seg(c.sndNxt, 0)
	s.Payload, s.SegSize = p[:k*mss], mss
	c.transmitted(now, s, false)
	c.finish(now, s, emit)
	return true
}

// transmitted updates the send state for a data or FIN segment about to
// be emitted.
func (c *Conn) transmitted(now time.Duration, s *Segment, retrans bool) {
	n := len(s.Payload)
	if !retrans && n > 0 && c.ecn.ok {
		s.ECN = ECNECT0 // new data is ECN-capable (RFC 3168 §6.1.5: retransmissions are not)
	}
	if s.SegSize > 0 {
		// A run: one record per segment, as if each had been sent alone.
		inflight := c.inflight()
		for off := 0; off < n; off += s.SegSize {
			c.txq.sent(&c.rs, now, s.Seq.Add(off), s.Seq.Add(off+s.SegSize), inflight+off)
		}
		c.pacer.OnSend(now, s.SegSize)
	} else {
		c.txq.sent(&c.rs, now, s.Seq, s.Seq.Add(s.Len()), c.inflight())
		c.pacer.OnSend(now, n)
	}
	if c.sackOK && !retrans {
		c.sb.pipe += s.Len()
		if c.inRecovery {
			c.sb.prr.out += s.Len()
		}
	}
	if s.Flags&FIN != 0 {
		if !c.finSent {
			c.finSent = true
			c.finSeq = s.Seq.Add(n)
		}
	}
	c.sndNxt = s.Seq.Add(s.Len())
	c.sndMax = MaxSeq(c.sndMax, c.sndNxt)
	if retrans {
		c.stats.totalRetrans++
		c.stats.bytesRetrans += uint64(n)
		c.rttTiming = false // Karn's rule (RFC 6298 §3)
	} else {
		c.stats.bytesSent += uint64(n)
		if !c.tsOK && !c.rttTiming {
			c.rttTiming, c.rttSeq, c.rttAt = true, s.Seq, now
		}
		c.lastSendAt = now
	}
	if c.rtoAt == 0 {
		c.rtoAt = now + c.rtt.backedOff(c.backoff) // RFC 6298 §5.1
	}
	if c.unackedAt == 0 {
		c.unackedAt = now
	}
	c.persistAt = 0
	c.ccs.InFlight = c.inflight()
	c.armTLP(now)
}

// retransmitHead resends the segment at SND.UNA (fast retransmit, RFC
// 5681 §3.2 step 3, or a NewReno partial ACK, RFC 6582 §3.2 step 5).
func (c *Conn) retransmitHead(now time.Duration, emit func(*Segment)) bool {
	if c.sndUna == c.sndMax {
		return false
	}
	off := c.sndUna.Sub(c.sndBufSeq)
	n := min(c.sndMSS, c.sndMax.Sub(c.sndUna))
	s := c.seg(c.sndUna, 0)
	if off >= 0 && off < c.snd.n {
		s.Payload = c.snd.slice(off, n)
		if c.finSent && c.finSeq == c.sndUna.Add(len(s.Payload)) {
			s.Flags |= FIN
		}
	} else if c.finSent && c.sndUna == c.finSeq {
		s.Flags |= FIN
	} else {
		return false
	}
	c.stats.totalRetrans++
	c.stats.bytesRetrans += uint64(len(s.Payload))
	c.rttTiming = false
	c.txq.sent(&c.rs, now, s.Seq, s.Seq.Add(s.Len()), c.flight())
	c.pacer.OnSend(now, len(s.Payload))
	c.sndMax = MaxSeq(c.sndMax, s.Seq.Add(s.Len()))
	if c.rtoAt == 0 {
		c.rtoAt = now + c.rtt.backedOff(c.backoff)
	}
	c.finish(now, s, emit)
	return true
}

// paced reports whether pacing (pacing.go) holds a segment of n bytes
// now, arming the pacing timer if so. The pacer lets a burst leave back
// to back (the algorithm's send quantum, or about 1 ms of data) and
// makes up for a timer that fires late (cc.Pacer), so a coarse or late
// wake-up does not lower the rate.
func (c *Conn) paced(now time.Duration, n int) bool {
	r := c.pacingRate()
	if r == 0 {
		c.pacer.SetRate(now, 0)
		return false
	}
	c.pacer.Burst = c.pacingBurst(r)
	c.pacer.SetRate(now, r)
	if t := c.pacer.NextSendTime(now, n); t > now {
		c.paceAt = t
		return true
	}
	return false
}
