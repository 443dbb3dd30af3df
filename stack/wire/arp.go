package wire

import (
	"encoding/binary"
	"net/netip"
)

// ARP for IPv4 over Ethernet (RFC 826):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|     Hardware type (1)         |     Protocol type (0x0800)    |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	| HLEN (6)      | PLEN (4)      |          Operation            |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                 Sender hardware address (6)                   |
//	+                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                               |  Sender protocol address (4)  |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                               |                               |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
//	|                 Target hardware address (6)                   |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                 Target protocol address (4)                   |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

// ARP operations.
const (
	ARPRequest = 1
	ARPReply   = 2
)

// ARPLen is the length of an Ethernet/IPv4 ARP packet.
const ARPLen = 28

// ARP is a validated Ethernet/IPv4 ARP packet.
type ARP []byte

// ParseARP validates b as an ARP packet for Ethernet (hardware type 1,
// length 6) and IPv4 (protocol type 0x0800, length 4). Other pairings are
// ErrUnsupported. Trailing bytes (Ethernet padding) are cut off.
func ParseARP(b []byte) (ARP, error) {
	if len(b) < ARPLen {
		return nil, ErrTruncated
	}
	if binary.BigEndian.Uint16(b[0:]) != 1 || binary.BigEndian.Uint16(b[2:]) != EtherTypeIPv4 ||
		b[4] != 6 || b[5] != 4 {
		return nil, ErrUnsupported
	}
	return ARP(b[:ARPLen]), nil
}

// Op is the operation (ARPRequest, ARPReply, or another value).
func (a ARP) Op() uint16 { return binary.BigEndian.Uint16(a[6:]) }

// SenderMAC is the sender hardware address.
func (a ARP) SenderMAC() [6]byte { return [6]byte(a[8:14]) }

// SenderIP is the sender protocol address.
func (a ARP) SenderIP() netip.Addr { return netip.AddrFrom4([4]byte(a[14:18])) }

// TargetMAC is the target hardware address.
func (a ARP) TargetMAC() [6]byte { return [6]byte(a[18:24]) }

// TargetIP is the target protocol address.
func (a ARP) TargetIP() netip.Addr { return netip.AddrFrom4([4]byte(a[24:28])) }

// ARPPacket builds an Ethernet/IPv4 ARP packet.
type ARPPacket struct {
	Op                   uint16
	SenderMAC, TargetMAC [6]byte
	SenderIP, TargetIP   netip.Addr // IPv4; anything else is written as 0.0.0.0
}

// Encode writes the 28-byte packet to dst and returns 28.
func (p *ARPPacket) Encode(dst []byte) int {
	_ = dst[ARPLen-1]
	binary.BigEndian.PutUint16(dst[0:], 1)
	binary.BigEndian.PutUint16(dst[2:], EtherTypeIPv4)
	dst[4], dst[5] = 6, 4
	binary.BigEndian.PutUint16(dst[6:], p.Op)
	copy(dst[8:14], p.SenderMAC[:])
	s, t := as4(p.SenderIP), as4(p.TargetIP)
	copy(dst[14:18], s[:])
	copy(dst[18:24], p.TargetMAC[:])
	copy(dst[24:28], t[:])
	return ARPLen
}
