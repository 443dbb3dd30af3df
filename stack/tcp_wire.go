package stack

import (
	"errors"
	"net/netip"

	"github.com/tcpbox/tcpbox/stack/tcp"
	"github.com/tcpbox/tcpbox/stack/wire"
)

// Conversion between the wire form of a TCP segment (stack/wire) and the
// state machine's tcp.Segment. Nothing here allocates: the payload of a
// parsed segment aliases the packet, and encoding writes into the
// caller's buffer.

var (
	errTCPChecksum = errors.New("tcp: bad checksum")
	errTCPOptions  = errors.New("tcp: bad options")
)

// parseTCPSegment validates b (the whole IPv4 payload) for the given IPv4
// source and destination and fills seg. The checksum is verified first
// (RFC 9293 §3.1, MUST-2/MUST-3: a segment with a bad checksum is
// discarded before anything else looks at it). A segment whose options
// are malformed is discarded too (RFC 9293 §3.1 MUST-7).
func parseTCPSegment(b []byte, src, dst netip.Addr, seg *tcp.Segment) error {
	return parseTCPSegmentCsum(b, src, dst, seg, false)
}

// parseTCPSegmentCsum is parseTCPSegment that skips the checksum when the
// link vouches for it: the kernel verified it (DataValid), or the segment
// came from a local sender with only the pseudo-header sum filled in
// (NeedsChecksum: checksum offload on a veth, where it never crossed a
// wire).
func parseTCPSegmentCsum(b []byte, src, dst netip.Addr, seg *tcp.Segment, verified bool) error {
	t, err := wire.ParseTCP(b)
	if err != nil {
		return err
	}
	if !verified && !t.VerifyChecksum(src, dst) {
		return errTCPChecksum
	}
	var wo wire.TCPOptions
	if err := wire.ParseTCPOptions(t.Options(), &wo); err != nil {
		return errTCPOptions
	}
	seg.SrcPort = t.SrcPort()
	seg.DstPort = t.DstPort()
	seg.Seq = tcp.Seq(t.Seq())
	seg.Ack = tcp.Seq(t.Ack())
	seg.Flags = tcp.Flags(t.Flags())
	seg.Window = t.Window()
	seg.Urgent = t.Urgent()
	seg.Payload = t.Payload()
	fromWireOptions(&wo, &seg.Options)
	return nil
}

func fromWireOptions(w *wire.TCPOptions, o *tcp.Options) {
	*o = tcp.Options{WScale: -1}
	if w.HasMSS {
		o.MSS = w.MSS
	}
	if w.HasWScale {
		// RFC 7323 §2.3: a shift above 14 is used as 14. The state
		// machine applies the clamp and logs; the value passes through
		// unchanged up to what int8 holds.
		s := w.WScale
		if s > 127 {
			s = 127
		}
		o.WScale = int8(s)
	}
	o.SACKPermitted = w.SACKPermitted
	o.HasTS, o.TSVal, o.TSEcr = w.HasTS, w.TSVal, w.TSEcr
	o.NumSACK = w.NumSACK
	for i := 0; i < w.NumSACK; i++ {
		o.SACK[i] = tcp.SACKBlock{Start: tcp.Seq(w.SACK[i].Start), End: tcp.Seq(w.SACK[i].End)}
	}
}

func toWireOptions(o *tcp.Options, w *wire.TCPOptions) {
	*w = wire.TCPOptions{}
	if o.MSS != 0 {
		w.HasMSS, w.MSS = true, o.MSS
	}
	if o.WScale >= 0 {
		w.HasWScale, w.WScale = true, uint8(o.WScale)
	}
	w.SACKPermitted = o.SACKPermitted
	w.HasTS, w.TSVal, w.TSEcr = o.HasTS, o.TSVal, o.TSEcr
	n := min(max(o.NumSACK, 0), 4)
	w.NumSACK = n
	for i := 0; i < n; i++ {
		w.SACK[i] = wire.SACKBlock{Start: uint32(o.SACK[i].Start), End: uint32(o.SACK[i].End)}
	}
}

// tcpSegmentLen is an upper bound of the encoded length of seg.
func tcpSegmentLen(seg *tcp.Segment) int {
	return wire.TCPMaxHeaderLen + len(seg.Payload)
}

// encodeTCPSegment writes seg (header, options, payload, checksum) into
// dst, which must hold tcpSegmentLen(seg) bytes, and returns the length
// written. If the segment would exceed limit bytes (the path MTU less the
// IPv4 header; 0 for no limit), SACK blocks are left out until it fits:
// RFC 2018 §3 lets a receiver report fewer blocks than it holds, and
// Linux likewise counts SACK blocks against the segment size. A segment
// that is still too long is encoded whole and the IPv4 layer counts it.
func encodeTCPSegment(dst []byte, src, dstAddr netip.Addr, seg *tcp.Segment, limit int) int {
	var wo wire.TCPOptions
	toWireOptions(&seg.Options, &wo)
	if limit > 0 {
		for wo.NumSACK > 0 && wire.TCPMinHeaderLen+wo.Len()+len(seg.Payload) > limit {
			wo.NumSACK--
		}
	}
	// Options are encoded in place behind the fixed header; Encode's copy
	// of them onto themselves is then a no-op.
	on := wo.Encode(dst[wire.TCPMinHeaderLen : wire.TCPMinHeaderLen+40])
	hl := wire.TCPMinHeaderLen + on
	copy(dst[hl:], seg.Payload)
	h := wire.TCPHeader{
		SrcPort:    seg.SrcPort,
		DstPort:    seg.DstPort,
		Seq:        uint32(seg.Seq),
		Ack:        uint32(seg.Ack),
		Flags:      uint8(seg.Flags),
		Window:     seg.Window,
		Urgent:     seg.Urgent,
		Options:    dst[wire.TCPMinHeaderLen:hl],
		Src:        src,
		Dst:        dstAddr,
		PayloadLen: len(seg.Payload),
	}
	h.Encode(dst)
	return hl + len(seg.Payload)
}
