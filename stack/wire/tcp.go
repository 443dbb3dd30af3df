package wire

import (
	"encoding/binary"
	"net/netip"
)

// TCP (RFC 9293 §3.1):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|          Source Port          |       Destination Port        |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                        Sequence Number                        |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                    Acknowledgment Number                      |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|  Data |       |C|E|U|A|P|R|S|F|                               |
//	| Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
//	|       |       |R|E|G|K|H|T|N|N|                               |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|           Checksum            |         Urgent Pointer        |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                           [Options]                           |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                             data ...
//
// The checksum covers the pseudo-header (protocol 6, TCP length), the
// header and the data.

// TCP flags in wire bit order.
const (
	TCPFlagFIN = 1 << iota
	TCPFlagSYN
	TCPFlagRST
	TCPFlagPSH
	TCPFlagACK
	TCPFlagURG
	TCPFlagECE
	TCPFlagCWR
)

// TCP header sizes.
const (
	TCPMinHeaderLen = 20
	TCPMaxHeaderLen = 60
)

// TCP is a validated TCP segment: 20 <= data offset*4 <= len. Options are
// validated by ParseTCPOptions; the checksum by VerifyChecksum.
type TCP []byte

// ParseTCP validates b as a TCP segment (the whole IP payload).
func ParseTCP(b []byte) (TCP, error) {
	if len(b) < TCPMinHeaderLen {
		return nil, ErrTruncated
	}
	off := int(b[12]>>4) * 4
	if off < TCPMinHeaderLen {
		return nil, ErrBadHeader
	}
	if off > len(b) {
		return nil, ErrTruncated
	}
	return TCP(b), nil
}

// SrcPort is the source port.
func (t TCP) SrcPort() uint16 { return binary.BigEndian.Uint16(t[0:]) }

// DstPort is the destination port.
func (t TCP) DstPort() uint16 { return binary.BigEndian.Uint16(t[2:]) }

// Seq is the sequence number.
func (t TCP) Seq() uint32 { return binary.BigEndian.Uint32(t[4:]) }

// Ack is the acknowledgment number.
func (t TCP) Ack() uint32 { return binary.BigEndian.Uint32(t[8:]) }

// HeaderLen is the data offset in bytes.
func (t TCP) HeaderLen() int { return int(t[12]>>4) * 4 }

// Flags are the eight flag bits (TCPFlag*).
func (t TCP) Flags() uint8 { return t[13] }

// Window is the raw (unscaled) window field.
func (t TCP) Window() uint16 { return binary.BigEndian.Uint16(t[14:]) }

// Checksum is the checksum field.
func (t TCP) Checksum() uint16 { return binary.BigEndian.Uint16(t[16:]) }

// Urgent is the urgent pointer.
func (t TCP) Urgent() uint16 { return binary.BigEndian.Uint16(t[18:]) }

// Options are the option bytes, possibly empty.
func (t TCP) Options() []byte { return t[TCPMinHeaderLen:t.HeaderLen()] }

// Payload is the data after the header.
func (t TCP) Payload() []byte { return t[t.HeaderLen():] }

// VerifyChecksum reports whether the checksum is correct for the given
// IPv4 addresses.
func (t TCP) VerifyChecksum(src, dst netip.Addr) bool {
	return Sum(t, PseudoHeaderSum(ProtoTCP, src, dst, uint16(len(t)))) == 0xffff
}

// TCPHeader builds a TCP header. The checksum covers the payload, so
// Encode expects the payload in place after the header and options at
// dst[HeaderLen():HeaderLen()+PayloadLen].
type TCPHeader struct {
	SrcPort, DstPort uint16
	Seq, Ack         uint32
	Flags            uint8
	Window           uint16
	Urgent           uint16
	// Options are encoded option bytes (TCPOptions.Encode), padded to a
	// multiple of 4 bytes; at most 40.
	Options    []byte
	Src, Dst   netip.Addr // for the pseudo-header
	PayloadLen int
}

// HeaderLen is the length Encode will write.
func (h *TCPHeader) HeaderLen() int { return TCPMinHeaderLen + (len(h.Options)+3)&^3 }

// Encode writes header, options and checksum and returns the header
// length.
func (h *TCPHeader) Encode(dst []byte) int {
	hl := h.HeaderLen()
	l := hl + h.PayloadLen
	_ = dst[l-1]
	binary.BigEndian.PutUint16(dst[0:], h.SrcPort)
	binary.BigEndian.PutUint16(dst[2:], h.DstPort)
	binary.BigEndian.PutUint32(dst[4:], h.Seq)
	binary.BigEndian.PutUint32(dst[8:], h.Ack)
	dst[12] = uint8(hl/4) << 4
	dst[13] = h.Flags
	binary.BigEndian.PutUint16(dst[14:], h.Window)
	dst[16], dst[17] = 0, 0
	binary.BigEndian.PutUint16(dst[18:], h.Urgent)
	n := copy(dst[20:hl], h.Options)
	clear(dst[20+n : hl]) // EOL padding
	binary.BigEndian.PutUint16(dst[16:], Checksum(dst[:l], PseudoHeaderSum(ProtoTCP, h.Src, h.Dst, uint16(l))))
	return hl
}
