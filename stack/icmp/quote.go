package icmp

import (
	"encoding/binary"
	"net/netip"

	"github.com/tcpbox/tcpbox/stack/wire"
)

// Quote is what an ICMP error quotes of the datagram it is about (RFC
// 792: the IP header and the first 64 bits of data): enough to find the
// transport connection, and for TCP the sequence number to check the
// message against (RFC 5927 §4.1).
type Quote struct {
	Src, Dst         netip.Addr
	Proto            uint8
	SrcPort, DstPort uint16
	Seq              uint32 // TCP: the quoted segment's sequence number
}

// ParseQuote reads the quote in an ICMP error's body; ok is false when
// it is not an IPv4 header followed by at least 8 bytes of an initial
// fragment's data.
func ParseQuote(body []byte) (q Quote, ok bool) {
	if len(body) < wire.IPv4MinHeaderLen || body[0]>>4 != 4 {
		return Quote{}, false
	}
	hl := int(body[0]&0x0f) * 4
	if hl < wire.IPv4MinHeaderLen || len(body) < hl+8 {
		return Quote{}, false
	}
	if binary.BigEndian.Uint16(body[6:])&0x1fff != 0 {
		return Quote{}, false // a later fragment quotes no transport header
	}
	t := body[hl:]
	return Quote{
		Src:     netip.AddrFrom4([4]byte(body[12:16])),
		Dst:     netip.AddrFrom4([4]byte(body[16:20])),
		Proto:   body[9],
		SrcPort: binary.BigEndian.Uint16(t[0:]),
		DstPort: binary.BigEndian.Uint16(t[2:]),
		Seq:     binary.BigEndian.Uint32(t[4:]),
	}, true
}
