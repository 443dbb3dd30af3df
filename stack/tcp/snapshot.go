package tcp

import "time"

// Info returns the connection's snapshot (see Info). ID and Listener are
// the glue's to fill.
func (c *Conn) Info(now time.Duration) Info {
	in := Info{
		State:  c.state,
		Local:  c.local,
		Remote: c.remote,

		ISS: uint32(c.iss), IRS: uint32(c.irs),
		SndUna: uint32(c.sndUna), SndNxt: uint32(c.sndNxt),
		SndWnd: uint32(c.sndWnd),
		SndWl1: uint32(c.sndWl1), SndWl2: uint32(c.sndWl2),
		RcvNxt: uint32(c.rcvNxt),
		RcvWnd: uint32(c.rcvWnd()),
		SndMSS: c.sndMSS, RcvMSS: c.rcvMSS, AdvMSS: c.advMSS,
		PMTU:         c.pathMTU(),
		TimestampsOK: c.tsOK, SACKOK: c.sackOK, WScaleOK: c.wsOK, ECNOK: c.ecn.ok, ECNCEIn: c.ecn.ceIn, ECNECEIn: c.ecn.eceIn,
		NoDelay: c.noDelay, Corked: c.cork,

		SRTT: c.rtt.srtt, RTTVar: c.rtt.rttvar, MinRTT: c.rtt.minRTT,
		RTO:         c.rtt.backedOff(c.backoff),
		RcvRTT:      c.rcvRTT,
		Backoff:     c.backoff,
		Retransmits: c.retries,
		Probes:      max(c.probes, c.keepProbes),

		Cwnd: c.ccs.Cwnd, Ssthresh: c.ccs.Ssthresh,
		PacingRate: c.pacingRate(),
		Reordering: c.sb.thresh(),

		NotSentBytes: max(0, c.snd.n-max(0, c.sndNxt.Sub(c.sndBufSeq))),
		SndBuf:       c.snd.limit, RcvBuf: c.rcv.limit,
		RcvSpace:    c.rcvSpace,
		RcvSsthresh: c.clampRcv(c.rcv.limit),

		BytesSent: c.stats.bytesSent + c.stats.bytesRetrans, BytesAcked: c.stats.bytesAcked,
		BytesReceived: c.stats.bytesRecv, BytesRetrans: c.stats.bytesRetrans,
		SegsIn: c.stats.segsIn, SegsOut: c.stats.segsOut,
		DataSegsIn: c.stats.dataSegsIn, DataSegsOut: c.stats.dataSegsOut,
		TotalRetrans: c.stats.totalRetrans,
		FastRetrans:  c.stats.fastRetrans, RTORetrans: c.stats.rtoRetrans,
		DupAcksIn:        c.stats.dupAcksIn,
		ZeroWindowProbes: c.stats.zeroWindowProbes,
		// Linux's dsack_dups counts D-SACK blocks received (the
		// sender's view); reord_seen counts reordering events seen.
		DSACKDups: c.sb.dsackIn, ReordSeen: c.sb.reordSeen,
		Sacked: c.sb.sackedSegs, Lost: c.sb.lostSegs, Retrans: c.sb.retransSeg,
		DSACKSent: c.stats.dsackDups, RcvOOOPack: c.stats.reord,
		TLPProbes: c.stats.tlps, TLPRecoveries: c.stats.tlpRecoveries, Undos: c.stats.undos,
		SpuriousRTOs: c.stats.frtoSpurious,
		Rescues:      c.stats.rescues,
		Delivered:    uint64(c.rs.Delivered()),
		DeliveryRate: c.rate,

		Age:         now - c.created,
		TimeInState: c.timeIn,
	}
	if c.wsOK {
		in.SndWScale, in.RcvWScale = c.sndShift, c.rcvShift
	}
	if c.algo != nil {
		in.Congestion = c.algo.Name()
	}
	switch {
	case c.sb.caLoss:
		in.CAState = "loss"
	case c.inRecovery:
		in.CAState = "recovery"
	case c.ecn.cwr:
		in.CAState = "cwr"
	case c.backoff > 0 && c.synchronized():
		in.CAState = "loss"
	case c.dupAcks > 0 || c.sb.sackedSegs > 0:
		in.CAState = "disorder"
	default:
		in.CAState = "open"
	}
	if c.sndMax != c.sndUna && c.sndMSS > 0 {
		in.Unacked = (c.sndMax.Sub(c.sndUna) + c.sndMSS - 1) / c.sndMSS
	}
	if c.stats.lastDataSent != 0 {
		in.LastDataSent = now - c.stats.lastDataSent
	}
	if c.stats.lastDataRecv != 0 {
		in.LastDataRecv = now - c.stats.lastDataRecv
	}
	if c.stats.lastAckRecv != 0 {
		in.LastAckRecv = now - c.stats.lastAckRecv
	}
	in.TimeInState[c.state] += now - c.stateSince
	in.BusyTime, in.RwndLimited, in.SndBufLimited = c.chronoTimes(now)
	in.CwndLimited = c.ccs.CwndLimited()
	if c.synchronized() && c.cfg.DelayedAck > 0 {
		in.ATO = c.cfg.DelayedAck
	}
	return in
}

// AcceptsNewSYN reports whether a SYN for this connection's 4-tuple may
// reopen it while it waits in TIME-WAIT (RFC 6191 §2; RFC 9293 §3.10.7.4
// note on TIME-WAIT): with timestamps on both, when the SYN's timestamp
// is newer than the last one seen; otherwise when its sequence number is
// above RCV.NXT. The glue then drops this connection and hands the SYN
// to the listener.
func (c *Conn) AcceptsNewSYN(seg *Segment) bool {
	if c.state != TimeWait || !c.cfg.TimeWaitReuse || seg.Flags&(SYN|ACK|RST) != SYN {
		return false
	}
	if c.tsOK && seg.Options.HasTS {
		return tsBefore(c.tsRecent, seg.Options.TSVal)
	}
	return seg.Seq.GreaterThan(c.rcvNxt)
}

// ReuseISN is the ISS a connection reopening this TIME-WAIT 4-tuple
// should use: beyond every sequence number this incarnation may still
// have in the network (RFC 9293 §3.4.1, RFC 6191 §2; Linux uses
// SND.NXT + 65535 + 2). The glue passes it to Listener.SetNextISN.
func (c *Conn) ReuseISN() Seq { return c.sndMax.Add(65535 + 2) }
