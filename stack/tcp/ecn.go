package tcp

import (
	"time"

	"github.com/tcpbox/tcpbox/stack/tcp/cc"
)

// Explicit Congestion Notification (RFC 3168): negotiated on the SYN
// exchange when Config.ECN is on; then new data leaves marked ECT(0),
// a receiver that sees Congestion Experienced echoes ECE until the
// sender's CWR, and a sender that hears ECE reduces its window once per
// window of data (cc.EventECE) and says so with CWR.
//
// The codepoint lives in the IP header: Segment.ECN carries it between
// this package and the glue (see CONTRACT.md), which copies it to and
// from the IPv4 TOS byte.

// ECN codepoints of the IP header's two ECN bits (RFC 3168 §5).
const (
	ECNNotECT uint8 = 0
	ECNECT1   uint8 = 1
	ECNECT0   uint8 = 2
	ECNCE     uint8 = 3
)

type ecnState struct {
	ok         bool // negotiated (tcp_info options ECN)
	echo       bool // we saw CE: set ECE until the peer's CWR (§6.1.3)
	cwrPending bool // the next new data segment carries CWR (§6.1.2)
	cwr        bool // a reduction for ECE is under way (Linux CA_CWR)
	recover    Seq  // the reduction covers data up to here: no other before
	ceIn       uint64
	eceIn      uint64
}

// ecnNegotiate is RFC 3168 §6.1.1: a SYN asks for ECN with ECE and CWR;
// a SYN-ACK agrees with ECE alone, and only to a SYN that asked (a
// passive-only host never asks, so it takes no SYN-ACK's ECE as consent).
func (c *Conn) ecnNegotiate(f Flags) bool {
	if !c.cfg.ECN {
		return false
	}
	if f&ACK == 0 {
		return f&(ECE|CWR) == ECE|CWR
	}
	return c.ecnAsks() && f&(ECE|CWR) == ECE
}

// ecnAsks reports whether our SYNs request ECN (Linux tcp_ecn=1; a
// passive host, tcp_ecn=2, only accepts requests).
func (c *Conn) ecnAsks() bool { return c.cfg.ECN && !c.cfg.ECNPassive }

// ecnInput handles the ECN signals of an acceptable segment: CWR stops
// our echo, CE (re)starts it (§6.1.3), and ECE asks the sender to react.
func (c *Conn) ecnInput(now time.Duration, seg *Segment) {
	if !c.ecn.ok {
		return
	}
	if seg.Flags&CWR != 0 {
		c.ecn.echo = false
	}
	if seg.ECN == ECNCE {
		c.ecn.ceIn++
		c.ecn.echo = true
		c.ackNow = true // tell the sender now, not a delayed ACK later
	}
}

// ecnOnAck is the sender's reaction to ECE (§6.1.2): at most once per
// window of data, and not while loss recovery has reduced the window
// already.
func (c *Conn) ecnOnAck(now time.Duration, seg *Segment) {
	if !c.ecn.ok || seg.Flags&ECE == 0 || seg.Flags&SYN != 0 {
		return
	}
	c.ecn.eceIn++
	if c.ecn.cwr && c.sndUna.GreaterEq(c.ecn.recover) {
		c.ecn.cwr = false
	}
	if c.ecn.cwr || c.inRecovery || c.sb.caLoss || c.algo == nil {
		return
	}
	c.ccs.InFlight = c.flightSize()
	c.algo.OnEvent(&c.ccs, cc.EventECE, now)
	c.ccs.InFlight = c.inflight()
	c.ecn.cwr, c.ecn.cwrPending, c.ecn.recover = true, true, c.sndMax
	c.traceEvent(now, cc.EventECE)
}

// ecnOutput marks an outgoing segment: ECE while echoing; ECT(0) and,
// once after a reduction, CWR on new data (§6.1.2, §6.1.4: not on pure
// ACKs, retransmissions or SYNs, which stay Not-ECT).
func (c *Conn) ecnOutput(s *Segment, newData bool) {
	if !c.ecn.ok {
		return
	}
	if c.ecn.echo {
		s.Flags |= ECE
	}
	if newData && len(s.Payload) > 0 {
		s.ECN = ECNECT0
		if c.ecn.cwrPending {
			s.Flags |= CWR
			c.ecn.cwrPending = false
		}
	}
}
