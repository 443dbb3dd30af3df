package tcp

import (
	"time"

	"github.com/tcpbox/tcpbox/stack/tcp/cc"
)

// minPeerMSS is the smallest peer MSS we honour.
const minPeerMSS = 48

// pawsIdle is RFC 7323 §5.5: a timestamp older than 24 days is invalid.
const pawsIdle = 24 * 24 * time.Hour

// Input processes one arriving segment (RFC 9293 §3.10.7). Replies it
// calls for (ACKs, RSTs, the SYN-ACK) go out on the next Output.
func (c *Conn) Input(now time.Duration, seg *Segment) {
	c.now = max(c.now, now)
	c.stats.segsIn++
	if len(seg.Payload) > 0 {
		c.stats.dataSegsIn++
	}
	switch c.state {
	case Closed:
		c.replyReset(seg) // RFC 9293 §3.10.7.1
	case Listen, StateInvalid:
		c.stats.drops++
	case SynSent:
		c.inputSynSent(now, seg)
	default:
		c.inputSync(now, seg)
	}
}

func (c *Conn) replyReset(seg *Segment) {
	if r, ok := ResetFor(seg); ok {
		c.rst = r
		c.rstPending = true
	}
}

// inputSynSent is RFC 9293 §3.10.7.3.
func (c *Conn) inputSynSent(now time.Duration, seg *Segment) {
	f := seg.Flags
	ackOK := false
	if f&ACK != 0 {
		if seg.Ack.LessEq(c.iss) || seg.Ack.GreaterThan(c.sndNxt) {
			if f&RST == 0 {
				c.rst = Segment{Seq: seg.Ack, Flags: RST}
				c.rstPending = true
			}
			c.stats.drops++
			return
		}
		ackOK = true
	}
	if f&RST != 0 {
		// RFC 5961 §3.2 keeps RFC 793's rule here: a RST is acceptable in
		// SYN-SENT only if it acknowledges our SYN.
		if ackOK {
			c.fail(now, ErrConnRefused)
		}
		return
	}
	if f&SYN == 0 {
		return
	}
	c.irs = seg.Seq
	c.rcvNxt = seg.Seq.Add(1)
	c.rcvAdvEdge = c.rcvNxt // until our SYN,ACK advertises a window
	c.negotiate(now, seg)
	c.lastRecvAt = now
	if !ackOK {
		// Simultaneous open (RFC 9293 §3.5, figure 8): send SYN,ACK with
		// our ISS and wait in SYN-RECEIVED.
		c.sndWnd = int(seg.Window)
		c.maxSndWnd = c.sndWnd
		c.sndWl1, c.sndWl2 = seg.Seq, c.iss
		c.setState(now, SynReceived)
		c.synPending = true
		c.retries, c.backoff = 0, 0
		c.rtoAt = 0
		return
	}
	if c.backoff == 0 && c.rttTiming {
		c.rtt.sample(now - c.rttAt) // the SYN was not retransmitted (Karn)
	}
	c.rttTiming = false
	c.sndUna = seg.Ack
	c.sndWnd = int(seg.Window) // RFC 7323 §2.2: not scaled on a SYN
	c.maxSndWnd = c.sndWnd
	c.sndWl1, c.sndWl2 = seg.Seq, seg.Ack
	c.rcvAdvEdge = c.rcvNxt.Add(int(c.synWindowField()))
	c.synDone()
	c.established(now)
	c.ackNow = true
	if len(seg.Payload) > 0 || f&FIN != 0 {
		// RFC 9293 §3.10.7.3: data or controls on the SYN-ACK are
		// processed as in ESTABLISHED (sixth step onward).
		c.text(now, seg.Seq.Add(1), seg.Payload, f&FIN != 0, &seg.Options, nil)
	}
}

// synDone resets the retransmission state when the handshake completes.
// RFC 6298 §5.7: if our SYN (or SYN-ACK) had to be retransmitted and no
// RTT was measured, data starts with an RTO of at least 3 seconds.
func (c *Conn) synDone() {
	if c.backoff > 0 && !c.rtt.valid {
		c.rtt.rto = min(max(c.rtt.rto, 3*time.Second), c.rtt.maxRTO)
	}
	c.rtoAt, c.retries, c.backoff = 0, 0, 0
}

// negotiate applies the options of the peer's SYN (RFC 9293 §3.7.1,
// RFC 7323 §1.3 and §2.2, RFC 2018 §2).
func (c *Conn) negotiate(now time.Duration, seg *Segment) {
	o := &seg.Options
	if o.MSS != 0 {
		// Linux's tcp_min_snd_mss: a tiny MSS would make us send a flood
		// of tiny segments (CVE-2019-11479).
		c.peerMSS = max(int(o.MSS), minPeerMSS)
	}
	c.wsOK = c.offerWS && o.WScale >= 0
	if c.wsOK {
		c.sndShift = uint8(min(int(o.WScale), 14)) // RFC 7323 §2.3: larger shifts are taken as 14
		c.rcvShift = c.cfg.rcvShift()
	} else {
		c.sndShift, c.rcvShift = 0, 0
	}
	c.sackOK = c.cfg.SACK && o.SACKPermitted
	c.ecn.ok = c.ecnNegotiate(seg.Flags)
	c.tsOK = c.cfg.Timestamps && o.HasTS
	if c.tsOK {
		c.tsRecent, c.tsRecentAt = o.TSVal, now
	}
	c.setMSS()
}

// sendMSS is the payload per segment (RFC 9293 §3.7.1: never more than
// the peer's MSS less our options; timestamps take 12 bytes), also bounded
// by SetMaxSeg.
func (c *Conn) sendMSS() int {
	m := min(c.peerMSS, c.advMSS)
	if c.userMSS > 0 {
		m = min(m, c.userMSS)
	}
	if c.tsOK {
		m -= 12
	}
	return max(m, 1)
}

// setMSS sets the payload per segment at the handshake.
func (c *Conn) setMSS() {
	c.sndMSS = c.sendMSS()
	// The estimate of the peer's segment size starts at the 536-byte
	// default and grows to the largest segment seen (as Linux's
	// tcp_initialize_rcv_mss), so "every second full-sized segment"
	// (RFC 5681 §4.2) holds for a peer with a smaller MSS than ours.
	c.rcvMSS = min(536, c.sndMSS)
}

// established enters ESTABLISHED and starts the sender's machinery.
func (c *Conn) established(now time.Duration) {
	c.setState(now, Established)
	c.algo = c.cfg.newAlgorithm()
	// The handshake's RTT sample is the algorithm's first (BBR paces
	// from it).
	c.ccs = cc.Sender{MSS: c.sndMSS, SRTT: c.rtt.srtt, MinRTT: c.rtt.minRTT}
	if c.cfg.TracePoints > 0 {
		c.trace = cc.NewTrace(c.cfg.TracePoints)
	}
	c.algo.Init(&c.ccs, now)
	c.sndBufExpand() // Linux's tcp_init_buffer_space
	c.rcvSpaceAt, c.rcvSpaceSeq = now, c.rcvNxt
	c.lastSendAt = now
	c.armKeepalive(now)
	if c.finQueued {
		c.finStateChange()
	}
}

// inputSync handles SYN-RECEIVED and the synchronized states (RFC 9293
// §3.10.7.4, first to eighth steps).
func (c *Conn) inputSync(now time.Duration, seg *Segment) {
	f := seg.Flags
	o := &seg.Options
	// RFC 7323 §5.3 R1: PAWS before the acceptability test.
	if c.tsOK && o.HasTS && f&RST == 0 && tsBefore(o.TSVal, c.tsRecent) && now-c.tsRecentAt < pawsIdle {
		c.stats.drops++
		c.challengeAck(now) // R1: send an acknowledgement and drop
		return
	}
	segLen := seg.Len()
	if !c.acceptable(seg.Seq, segLen, f&RST == 0) {
		if f&RST != 0 {
			c.stats.drops++
			return
		}
		if c.state == SynReceived && f&SYN != 0 && seg.Seq == c.irs {
			if f&ACK != 0 && !c.passive && c.sndUna.LessThan(seg.Ack) && seg.Ack.LessEq(c.sndNxt) {
				// Simultaneous open (RFC 9293 figure 8, line 5): the
				// peer's SYN,ACK repeats its SYN and acknowledges ours.
				rest := *seg
				rest.Flags &^= SYN
				rest.Seq = seg.Seq.Add(1)
				c.inputSync(now, &rest)
				return
			}
			c.synPending = true // the peer's SYN again: our SYN-ACK was lost
			return
		}
		if c.state == TimeWait && f&FIN != 0 {
			// RFC 9293 §3.10.7.4 eighth step: a retransmitted FIN in
			// TIME-WAIT is acknowledged and restarts the 2 MSL timeout.
			c.twAt = now + 2*c.cfg.MSL
		}
		if c.dsackOK() && len(seg.Payload) > 0 && seg.Seq.LessThan(c.rcvNxt) {
			end := MinSeq(seg.Seq.Add(len(seg.Payload)), c.rcvNxt)
			c.dsack, c.dsackPending = SACKBlock{seg.Seq, end}, true
			c.stats.dsackDups++
		}
		c.stats.drops++
		c.challengeAck(now)
		return
	}
	c.lastRecvAt = now
	c.keepProbes = 0
	c.armKeepalive(now)
	c.ecnInput(now, seg)
	// RFC 7323 §4.3 (2): remember the timestamp of the segment that
	// covers the last ACK we sent.
	if c.tsOK && o.HasTS && seg.Seq.LessEq(c.lastAckSent) && !tsBefore(o.TSVal, c.tsRecent) {
		c.tsRecent, c.tsRecentAt = o.TSVal, now
	}

	// Second step: RST (RFC 5961 §3.2).
	if f&RST != 0 {
		if seg.Seq != c.rcvNxt {
			c.challengeAck(now)
			return
		}
		c.onReset(now)
		return
	}
	// Fourth step: SYN in a synchronized state or SYN-RECEIVED (RFC 5961
	// §4.2): a challenge ACK, whatever the sequence number.
	if f&SYN != 0 {
		c.challengeAck(now)
		return
	}
	// Fifth step: ACK.
	if f&ACK == 0 {
		return
	}
	if c.state == SynReceived {
		if !(c.sndUna.LessThan(seg.Ack) && seg.Ack.LessEq(c.sndNxt)) {
			c.rst = Segment{Seq: seg.Ack, Flags: RST}
			c.rstPending = true
			return
		}
		c.sndWnd = int(seg.Window) << c.sndShift
		c.maxSndWnd = max(c.maxSndWnd, c.sndWnd)
		c.sndWl1, c.sndWl2 = seg.Seq, seg.Ack
		if c.backoff == 0 && c.rttTiming {
			c.rtt.sample(now - c.rttAt)
		}
		c.rttTiming = false
		c.synDone()
		c.established(now)
	}
	// RFC 5961 §5.2: acceptable when (SND.UNA - MAX.SND.WND) <= SEG.ACK <=
	// SND.NXT (SND.MAX here: after go-back-N the peer may acknowledge
	// data sent before the rewind).
	if seg.Ack.GreaterThan(c.sndMax) || seg.Ack.LessThan(c.sndUna.Add(-c.maxSndWnd)) {
		c.challengeAck(now)
		return
	}
	c.processAck(now, seg)
	if c.state == Closed || c.state == TimeWait {
		return
	}
	// Sixth step (URG) is not implemented: urgent data is delivered
	// inline, as RFC 6093 §4 recommends for new applications.
	// Seventh and eighth steps: text and FIN.
	c.text(now, seg.Seq, seg.Payload, f&FIN != 0, o, seg.Lender)
}

// acceptable is the segment acceptability test of RFC 9293 §3.10.7.4.
// With edgeOK, an empty segment exactly at the window's right edge passes
// too: a peer that filled our window sends its ACKs there (Linux's
// tcp_acceptable_seq; its tcp_sequence accepts them), and refusing them
// would hide its acknowledgements until its data arrived.
func (c *Conn) acceptable(seq Seq, segLen int, edgeOK bool) bool {
	wnd := c.rcvWnd()
	switch {
	case segLen == 0 && wnd == 0:
		return seq == c.rcvNxt
	case segLen == 0:
		return seq.InWindow(c.rcvNxt, wnd) || edgeOK && seq == c.rcvNxt.Add(wnd)
	case wnd == 0:
		// Not acceptable as data, but RFC 9293 §3.10.7.4 asks for
		// "special allowance ... to accept valid ACKs, URGs, and RSTs"
		// with a zero window: a segment at RCV.NXT goes on for its
		// control fields, and text() trims its data to the window.
		return seq == c.rcvNxt
	default:
		return seq.InWindow(c.rcvNxt, wnd) || seq.Add(segLen-1).InWindow(c.rcvNxt, wnd)
	}
}

// tsBefore compares timestamps modulo 2^32 (RFC 7323 §5.3).
func tsBefore(a, b uint32) bool { return int32(a-b) < 0 }

func (c *Conn) dsackOK() bool { return c.sackOK && c.cfg.DSACK }

// onReset acts on an acceptable RST (RFC 9293 §3.10.7.4 second step).
func (c *Conn) onReset(now time.Duration) {
	switch c.state {
	case SynReceived:
		if c.passive {
			c.fail(now, ErrConnReset) // the listener forgets it
		} else {
			c.fail(now, ErrConnRefused)
		}
	case TimeWait:
		if c.cfg.RFC1337 {
			return // RFC 1337 §3 (TIME-WAIT assassination): ignore
		}
		c.setState(now, Closed)
	case Closing, LastAck:
		c.setState(now, Closed)
	default:
		c.fail(now, ErrConnReset)
	}
}

// challengeAck asks for an immediate ACK, at most ChallengeAckLimit per
// second (RFC 5961 §7).
func (c *Conn) challengeAck(now time.Duration) {
	if now-c.challengeAt >= time.Second || c.challengeAt == 0 {
		c.challengeAt, c.challengeN = now, 0
		if c.challengeAt == 0 {
			c.challengeAt = 1
		}
	}
	if c.challengeN >= c.cfg.ChallengeAckLimit {
		return
	}
	c.challengeN++
	c.ackNow = true
}
