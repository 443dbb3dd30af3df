package tcp

import "strings"

// Flags are the TCP header's control bits, in wire bit order (RFC 9293
// §3.1, RFC 3168 §23.2 for ECE and CWR).
type Flags uint8

// The control bits.
const (
	FIN Flags = 1 << iota
	SYN
	RST
	PSH
	ACK
	URG
	ECE
	CWR
)

var flagNames = [...]string{"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"}

// String lists the set bits, "SYN|ACK".
func (f Flags) String() string {
	if f == 0 {
		return "0"
	}
	var b strings.Builder
	for i, n := range flagNames {
		if f&(1<<i) != 0 {
			if b.Len() > 0 {
				b.WriteByte('|')
			}
			b.WriteString(n)
		}
	}
	return b.String()
}

// Has reports whether all bits of g are set in f.
func (f Flags) Has(g Flags) bool { return f&g == g }

// SACKBlock is one block of a SACK option (RFC 2018 §3): the bytes
// [Start, End) were received.
type SACKBlock struct{ Start, End Seq }

// Options are the TCP options tcp understands. The glue decodes them from
// the wire (ignoring unknown kinds) and encodes them back.
type Options struct {
	MSS           uint16 // 0: absent
	WScale        int8   // -1: absent
	SACKPermitted bool
	HasTS         bool
	TSVal, TSEcr  uint32
	SACK          [4]SACKBlock
	NumSACK       int
}

// NoOptions is an Options value with nothing present.
var NoOptions = Options{WScale: -1}

// Segment is one TCP segment without its IP header. Ports are carried so
// the glue can encode the header; tcp fills them in on output.
type Segment struct {
	SrcPort, DstPort uint16
	Seq, Ack         Seq
	Flags            Flags
	Window           uint16 // the raw header field, unscaled
	Urgent           uint16
	Options          Options
	// ECN is the IP header's ECN codepoint (RFC 3168 §5; ECNECT0, ECNCE
	// ...): on input the glue copies it from the datagram, on output it
	// writes it there.
	ECN uint8
	// Payload is packet memory on input (valid during the call only) and
	// send-buffer memory on output. The send buffer never moves the bytes
	// it holds and reuses them only once they are acknowledged, so an
	// emitted payload keeps its bytes after emit for as long as they are
	// unacknowledged (the glue sends super-segments' payloads from there,
	// stack/tcp_gso.go); the memory itself stays valid, and may be
	// rewritten once the bytes are acknowledged.
	Payload []byte
	// SegSize, on output, is nonzero when the segment is a run (see
	// Conn.SetSendRun): Payload is several full segments of SegSize bytes,
	// each to be sent with this header, its sequence number advanced by
	// the bytes before it. Every piece carries the same ACK, window,
	// options, flags (ACK, and PSH on none) and ECN codepoint, as TCP
	// segmentation offload cuts a super-segment. Zero on input.
	SegSize int
	// Lender, on input, may let the receive buffer keep Payload's memory
	// instead of copying it (recvbuf.go); nil means copy.
	Lender PayloadLender
}

// PayloadLender owns an input segment's payload memory (the link's
// receive buffer, taken over through the glue). TakePayload makes that
// memory the caller's, the slices into it staying valid, until the
// caller calls Release on the result, once; nil means it cannot.
type PayloadLender interface {
	TakePayload() Releaser
}

// Releaser gives taken memory back.
type Releaser interface{ Release() }

// Len is the segment's length in sequence space: payload plus one each
// for SYN and FIN (RFC 9293 §3.4, SEG.LEN).
func (s *Segment) Len() int {
	n := len(s.Payload)
	if s.Flags&SYN != 0 {
		n++
	}
	if s.Flags&FIN != 0 {
		n++
	}
	return n
}
