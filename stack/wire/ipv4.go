package wire

import (
	"encoding/binary"
	"net/netip"
)

// IPv4 (RFC 791 §3.1):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|Version|  IHL  |Type of Service|          Total Length         |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|         Identification        |Flags|      Fragment Offset    |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|  Time to Live |    Protocol   |         Header Checksum       |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                       Source Address                          |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                    Destination Address                        |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                    Options                    |    Padding    |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Flags: bit 0 reserved (must be zero), bit 1 DF, bit 2 MF. The fragment
// offset counts 8-byte units.

// IP protocol numbers.
const (
	ProtoICMP = 1
	ProtoTCP  = 6
	ProtoUDP  = 17
)

// IPv4 header sizes.
const (
	IPv4MinHeaderLen = 20
	IPv4MaxHeaderLen = 60
)

// IPv4 option types (RFC 791 §3.1).
const (
	IPOptEOL = 0
	IPOptNOP = 1
)

// IPv4 is a validated IPv4 datagram: version 4, 20 <= header length <=
// total length <= len, a correct header checksum, well-formed options.
// The slice is cut to the total length, so link padding is gone.
type IPv4 []byte

// ParseIPv4 validates b as an IPv4 datagram (RFC 791 §3.1; RFC 1122
// §3.2.1.1-2: a wrong version or checksum is silently discarded, which
// the caller does when this returns an error).
func ParseIPv4(b []byte) (IPv4, error) {
	if len(b) < IPv4MinHeaderLen {
		return nil, ErrTruncated
	}
	if b[0]>>4 != 4 {
		return nil, ErrBadVersion
	}
	hl := int(b[0]&0x0f) * 4
	if hl < IPv4MinHeaderLen {
		return nil, ErrBadHeader
	}
	if len(b) < hl {
		return nil, ErrTruncated
	}
	tl := int(binary.BigEndian.Uint16(b[2:]))
	if tl < hl {
		return nil, ErrBadLength
	}
	if tl > len(b) {
		return nil, ErrTruncated
	}
	if Sum(b[:hl], 0) != 0xffff {
		return nil, ErrBadChecksum
	}
	if err := checkIPOptions(b[IPv4MinHeaderLen:hl]); err != nil {
		return nil, err
	}
	return IPv4(b[:tl]), nil
}

// checkIPOptions walks the option list of RFC 791 §3.1: EOL ends it, NOP
// is one byte, every other option is type, length (>= 2, within the
// header), data. Unknown types are accepted (RFC 1122 §3.2.1.8: ignore
// options not understood); only a broken layout is an error.
func checkIPOptions(o []byte) error {
	for len(o) > 0 {
		switch o[0] {
		case IPOptEOL:
			return nil
		case IPOptNOP:
			o = o[1:]
			continue
		}
		if len(o) < 2 || o[1] < 2 || int(o[1]) > len(o) {
			return ErrBadOption
		}
		o = o[o[1]:]
	}
	return nil
}

// HeaderLen is the header length in bytes (20..60).
func (p IPv4) HeaderLen() int { return int(p[0]&0x0f) * 4 }

// TOS is the type of service byte (DSCP and ECN).
func (p IPv4) TOS() uint8 { return p[1] }

// TotalLen is the total length field (== len(p)).
func (p IPv4) TotalLen() int { return int(binary.BigEndian.Uint16(p[2:])) }

// ID is the identification field.
func (p IPv4) ID() uint16 { return binary.BigEndian.Uint16(p[4:]) }

// DF reports the don't-fragment flag.
func (p IPv4) DF() bool { return p[6]&0x40 != 0 }

// MF reports the more-fragments flag.
func (p IPv4) MF() bool { return p[6]&0x20 != 0 }

// ReservedFlag reports the reserved (evil) bit.
func (p IPv4) ReservedFlag() bool { return p[6]&0x80 != 0 }

// FragOffset is the fragment offset in bytes.
func (p IPv4) FragOffset() int { return int(binary.BigEndian.Uint16(p[6:])&0x1fff) * 8 }

// IsFragment reports whether p is a fragment (MF set or a nonzero offset).
func (p IPv4) IsFragment() bool { return binary.BigEndian.Uint16(p[6:])&0x3fff != 0 }

// TTL is the time to live.
func (p IPv4) TTL() uint8 { return p[8] }

// Protocol is the payload's protocol number.
func (p IPv4) Protocol() uint8 { return p[9] }

// Checksum is the header checksum field.
func (p IPv4) Checksum() uint16 { return binary.BigEndian.Uint16(p[10:]) }

// Src is the source address.
func (p IPv4) Src() netip.Addr { return netip.AddrFrom4([4]byte(p[12:16])) }

// Dst is the destination address.
func (p IPv4) Dst() netip.Addr { return netip.AddrFrom4([4]byte(p[16:20])) }

// Options are the option bytes (with any padding), possibly empty.
func (p IPv4) Options() []byte { return p[IPv4MinHeaderLen:p.HeaderLen()] }

// Header is the whole header, options included.
func (p IPv4) Header() []byte { return p[:p.HeaderLen()] }

// Payload is the data after the header.
func (p IPv4) Payload() []byte { return p[p.HeaderLen():] }

// IPv4Header builds an IPv4 header.
type IPv4Header struct {
	TOS        uint8
	ID         uint16
	DF, MF     bool
	FragOffset int // bytes; must be a multiple of 8
	TTL        uint8
	Protocol   uint8
	Src, Dst   netip.Addr
	// Options are written after the fixed header and padded with EOL
	// bytes to a multiple of 4; at most 40 bytes.
	Options    []byte
	PayloadLen int
}

// HeaderLen is the length Encode will write.
func (h *IPv4Header) HeaderLen() int { return IPv4MinHeaderLen + (len(h.Options)+3)&^3 }

// Encode writes the header with its checksum to dst and returns its
// length. dst must hold HeaderLen bytes; the payload is not touched.
func (h *IPv4Header) Encode(dst []byte) int {
	hl := h.HeaderLen()
	_ = dst[hl-1]
	dst[0] = 0x40 | uint8(hl/4)
	dst[1] = h.TOS
	binary.BigEndian.PutUint16(dst[2:], uint16(hl+h.PayloadLen))
	binary.BigEndian.PutUint16(dst[4:], h.ID)
	ff := uint16(h.FragOffset/8) & 0x1fff
	if h.DF {
		ff |= 0x4000
	}
	if h.MF {
		ff |= 0x2000
	}
	binary.BigEndian.PutUint16(dst[6:], ff)
	dst[8] = h.TTL
	dst[9] = h.Protocol
	dst[10], dst[11] = 0, 0
	s, d := as4(h.Src), as4(h.Dst)
	copy(dst[12:16], s[:])
	copy(dst[16:20], d[:])
	n := copy(dst[20:hl], h.Options)
	clear(dst[20+n : hl])
	binary.BigEndian.PutUint16(dst[10:], Checksum(dst[:hl], 0))
	return hl
}
