package wire

import "encoding/binary"

// ICMPv4 (RFC 792): an 8-byte header, then a body whose meaning depends on
// the type.
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|     Type      |     Code      |          Checksum             |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|  Rest of header: Identifier + Sequence (echo), unused + Next-Hop |
//	|  MTU (fragmentation needed, RFC 1191 §4), Gateway (redirect)   |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|     Data: echo payload, or the offending IP header + 64 bits  |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// The checksum covers the whole ICMP message.

// ICMPv4 types and codes used by tcpbox.
const (
	ICMPEchoReply      = 0
	ICMPDestUnreach    = 3
	ICMPEchoRequest    = 8
	ICMPTimeExceeded   = 11
	ICMPParamProblem   = 12
	CodeNetUnreach     = 0
	CodeHostUnreach    = 1
	CodeProtoUnreach   = 2
	CodePortUnreach    = 3
	CodeFragNeeded     = 4
	CodeReassemblyTime = 1 // with ICMPTimeExceeded
)

// ICMPv4HeaderLen is the fixed header length.
const ICMPv4HeaderLen = 8

// ICMPv4 is a validated ICMPv4 message with a correct checksum.
type ICMPv4 []byte

// ParseICMPv4 validates b as an ICMPv4 message (at least 8 bytes, checksum
// over all of b correct; RFC 792 and RFC 1122 §3.2.2: a bad checksum is
// silently discarded).
func ParseICMPv4(b []byte) (ICMPv4, error) {
	if len(b) < ICMPv4HeaderLen {
		return nil, ErrTruncated
	}
	if Sum(b, 0) != 0xffff {
		return nil, ErrBadChecksum
	}
	return ICMPv4(b), nil
}

// Type is the message type.
func (m ICMPv4) Type() uint8 { return m[0] }

// Code is the message code.
func (m ICMPv4) Code() uint8 { return m[1] }

// Checksum is the checksum field.
func (m ICMPv4) Checksum() uint16 { return binary.BigEndian.Uint16(m[2:]) }

// Rest is the second 32-bit word of the header.
func (m ICMPv4) Rest() uint32 { return binary.BigEndian.Uint32(m[4:]) }

// ID is the echo identifier (bytes 4-5).
func (m ICMPv4) ID() uint16 { return binary.BigEndian.Uint16(m[4:]) }

// Seq is the echo sequence number (bytes 6-7).
func (m ICMPv4) Seq() uint16 { return binary.BigEndian.Uint16(m[6:]) }

// NextHopMTU is the MTU of a fragmentation-needed message (RFC 1191 §4),
// 0 from an older router.
func (m ICMPv4) NextHopMTU() uint16 { return binary.BigEndian.Uint16(m[6:]) }

// Payload is the data after the 8-byte header.
func (m ICMPv4) Payload() []byte { return m[ICMPv4HeaderLen:] }

// ICMPv4Header builds an ICMPv4 header. Its checksum covers the body too,
// so Encode expects the body already in place at dst[8:8+BodyLen].
type ICMPv4Header struct {
	Type, Code uint8
	Rest       uint32
	BodyLen    int
}

// Encode writes the 8-byte header and the checksum of header and body to
// dst (len(dst) >= 8+BodyLen) and returns 8.
func (h *ICMPv4Header) Encode(dst []byte) int {
	_ = dst[ICMPv4HeaderLen+h.BodyLen-1]
	dst[0], dst[1] = h.Type, h.Code
	dst[2], dst[3] = 0, 0
	binary.BigEndian.PutUint32(dst[4:], h.Rest)
	binary.BigEndian.PutUint16(dst[2:], Checksum(dst[:ICMPv4HeaderLen+h.BodyLen], 0))
	return ICMPv4HeaderLen
}
