package icmp

import (
	"net/netip"

	"github.com/tcpbox/tcpbox/stack/wire"
)

// MayReplyError reports whether a host may send an ICMP error about the
// datagram orig (RFC 1122 §3.2.2: never about an ICMP error message, a
// datagram sent to a broadcast or multicast address (IP or link layer),
// a non-initial fragment, or a datagram whose source does not name a
// single host).
func MayReplyError(orig wire.IPv4, linkBroadcast, ipBroadcast bool) bool {
	if linkBroadcast || ipBroadcast {
		return false
	}
	if orig.FragOffset() != 0 {
		return false
	}
	src := orig.Src()
	if src.IsUnspecified() || src.IsMulticast() || src.IsLoopback() || src == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		return false
	}
	if orig.Dst().IsMulticast() {
		return false
	}
	if orig.Protocol() == wire.ProtoICMP {
		p := orig.Payload()
		if len(p) < 1 {
			return false
		}
		switch p[0] {
		case wire.ICMPEchoRequest, wire.ICMPEchoReply, 13, 14, 15, 16, 17, 18:
			// Queries: an error about them is allowed.
		default:
			return false
		}
	}
	return true
}

// ErrorBodyLen is how much of the offending datagram an error quotes: its
// header and the first 64 bits of its data (RFC 792), which is enough for
// the sender to find the transport connection.
func ErrorBodyLen(orig wire.IPv4) int {
	return orig.HeaderLen() + min(8, len(orig.Payload()))
}
