package stack

import (
	"net/netip"

	"github.com/tcpbox/tcpbox/stack/icmp"
	"github.com/tcpbox/tcpbox/stack/wire"
)

// ICMP glue: echo replies, error messages, and PMTU learning.

func (s *Stack) icmpInput(pkt wire.IPv4, m rxMeta) {
	msg, err := wire.ParseICMPv4(pkt.Payload())
	if err != nil {
		if err == wire.ErrBadChecksum {
			s.drop(DropICMPChecksum)
		} else {
			s.drop(DropICMPMalformed)
		}
		return
	}
	switch msg.Type() {
	case wire.ICMPEchoRequest:
		if m.ipBroadcast || m.linkBroadcast {
			// RFC 1122 §3.2.2.6: a host MAY silently discard an echo
			// request to a broadcast address; Linux does by default
			// (icmp_echo_ignore_broadcasts), and so do we (smurf).
			s.drop(DropICMPBroadcast)
			return
		}
		s.ctr.icmpIn.Add(1)
		s.echoReply(pkt, msg)
	case wire.ICMPDestUnreach:
		if msg.Code() == wire.CodeFragNeeded {
			s.ctr.icmpIn.Add(1)
			s.icmpMu.Lock()
			_, mtu, ok := s.pmtu.Learn(s.now(), msg.NextHopMTU(), msg.Payload(), s.mtu)
			s.pmtuLen.Store(int32(s.pmtu.Len()))
			s.icmpMu.Unlock()
			if q, qok := icmp.ParseQuote(msg.Payload()); ok && qok {
				s.tcpPathMTU(q, mtu) // tcp_pmtu.go
			}
			return
		}
		// Other unreachables would be soft errors for TCP (RFC 1122
		// §4.2.3.9); nothing listens for them yet.
		s.drop(DropICMPUnhandled)
	default:
		// Echo replies (we send no requests), redirects, timestamps...
		s.drop(DropICMPUnhandled)
	}
}

// echoReply answers an echo request (RFC 792): the same identifier,
// sequence and data back to the source, from the address it was sent to.
// Any size works up to what reassembly accepts; fragmentation on the way
// out follows from sendIPv4.
func (s *Stack) echoReply(pkt wire.IPv4, msg wire.ICMPv4) {
	b := s.newBuffer(len(msg))
	copy(b.Bytes(), msg)
	icmp.EchoReply(b.Bytes())
	// The reply's source is the request's destination (RFC 1122
	// §3.2.2.6, which also rules out broadcasts, handled above); its TOS
	// is the request's (RFC 1349 §5.1).
	if err := s.sendIPv4(b, pkt.Src(), wire.ProtoICMP, sendOpts{tos: pkt.TOS(), src: pkt.Dst()}); err == nil {
		s.ctr.echoReplies.Add(1)
	}
}

// sendICMPError sends an ICMP error about orig, if RFC 1122 §3.2.2
// allows one and the rate limit has a token.
func (s *Stack) sendICMPError(orig wire.IPv4, m rxMeta, typ, code uint8, rest uint32) {
	if !icmp.MayReplyError(orig, m.linkBroadcast, m.ipBroadcast) {
		return
	}
	s.sendICMPQuote(orig.Src(), orig[:icmp.ErrorBodyLen(orig)], typ, code, rest)
}

// sendICMPQuote sends an ICMP error quoting quote (the offending header
// and the first 8 data bytes) to dst, rate-limited.
func (s *Stack) sendICMPQuote(dst netip.Addr, quote []byte, typ, code uint8, rest uint32) {
	s.icmpMu.Lock()
	ok := s.icmpLimit.Allow(s.now())
	s.icmpMu.Unlock()
	if !ok {
		s.drop(DropRateLimited)
		return
	}
	b := s.newBuffer(wire.ICMPv4HeaderLen + len(quote))
	copy(b.Bytes()[wire.ICMPv4HeaderLen:], quote)
	h := wire.ICMPv4Header{Type: typ, Code: code, Rest: rest, BodyLen: len(quote)}
	h.Encode(b.Bytes())
	if s.sendIPv4(b, dst, wire.ProtoICMP, sendOpts{}) == nil {
		s.ctr.icmpErrors.Add(1)
	}
}
