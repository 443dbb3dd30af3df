package wire

import (
	"encoding/binary"
	"net/netip"
)

// UDP (RFC 768):
//
//	 0      7 8     15 16    23 24    31
//	+--------+--------+--------+--------+
//	|     Source      |   Destination   |
//	|      Port       |      Port       |
//	+--------+--------+--------+--------+
//	|     Length      |    Checksum     |
//	+--------+--------+--------+--------+
//	|          data octets ...
//	+---------------- ...
//
// The checksum covers the pseudo-header (source, destination, zero,
// protocol 17, UDP length), the header and the data. A transmitted zero
// means "no checksum"; a computed zero is sent as 0xffff.

// UDPHeaderLen is the header length.
const UDPHeaderLen = 8

// UDP is a validated UDP datagram, cut to its length field.
type UDP []byte

// ParseUDP validates b as a UDP datagram: 8 <= Length <= len(b). The
// checksum is checked separately by VerifyChecksum, which needs the
// addresses.
func ParseUDP(b []byte) (UDP, error) {
	if len(b) < UDPHeaderLen {
		return nil, ErrTruncated
	}
	l := int(binary.BigEndian.Uint16(b[4:]))
	if l < UDPHeaderLen {
		return nil, ErrBadLength
	}
	if l > len(b) {
		return nil, ErrTruncated
	}
	return UDP(b[:l]), nil
}

// SrcPort is the source port.
func (u UDP) SrcPort() uint16 { return binary.BigEndian.Uint16(u[0:]) }

// DstPort is the destination port.
func (u UDP) DstPort() uint16 { return binary.BigEndian.Uint16(u[2:]) }

// Length is the length field (== len(u)).
func (u UDP) Length() int { return int(binary.BigEndian.Uint16(u[4:])) }

// Checksum is the checksum field.
func (u UDP) Checksum() uint16 { return binary.BigEndian.Uint16(u[6:]) }

// Payload is the data after the header.
func (u UDP) Payload() []byte { return u[UDPHeaderLen:] }

// VerifyChecksum reports whether the checksum is correct for the given
// IPv4 addresses, or absent (zero, RFC 768).
func (u UDP) VerifyChecksum(src, dst netip.Addr) bool {
	if u.Checksum() == 0 {
		return true
	}
	return Sum(u, PseudoHeaderSum(ProtoUDP, src, dst, uint16(len(u)))) == 0xffff
}

// UDPHeader builds a UDP header. The checksum covers the payload, so
// Encode expects the payload already in place at dst[8:8+PayloadLen].
type UDPHeader struct {
	SrcPort, DstPort uint16
	Src, Dst         netip.Addr // for the pseudo-header
	PayloadLen       int
}

// Encode writes the header with its checksum and returns 8.
func (h *UDPHeader) Encode(dst []byte) int {
	l := UDPHeaderLen + h.PayloadLen
	_ = dst[l-1]
	binary.BigEndian.PutUint16(dst[0:], h.SrcPort)
	binary.BigEndian.PutUint16(dst[2:], h.DstPort)
	binary.BigEndian.PutUint16(dst[4:], uint16(l))
	dst[6], dst[7] = 0, 0
	c := Checksum(dst[:l], PseudoHeaderSum(ProtoUDP, h.Src, h.Dst, uint16(l)))
	if c == 0 {
		c = 0xffff // RFC 768: zero is reserved for "no checksum"
	}
	binary.BigEndian.PutUint16(dst[6:], c)
	return UDPHeaderLen
}
