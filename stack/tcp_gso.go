package stack

import (
	"net/netip"

	"github.com/tcpbox/tcpbox/nic"
	"github.com/tcpbox/tcpbox/stack/tcp"
	"github.com/tcpbox/tcpbox/stack/wire"
)

// TCP segmentation offload on send. When the link cuts TCPv4 super-frames
// itself (afpacket with PACKET_VNET_HDR: the kernel's GSO segments them,
// in software when the interface has no TSO), the consecutive full-sized
// data segments one Output call emits leave as one super-segment: one
// header, the payloads behind it, a partial checksum, and
// Offload{GSOType: TCPv4, GSOSize: MSS}. The link (or the kernel behind
// it) copies the header onto each MSS-sized piece, advancing the sequence
// number, fixing lengths and checksums and keeping PSH only on the last
// piece (Linux tcp_gso_segment), so the peer sees exactly the segments
// the state machine emitted. This saves per-segment work in the stack,
// the system call and the kernel's per-packet send path.
//
// A segment joins the batch only if it continues it in sequence, carries
// the same header (ACK, window, options: the kernel copies the first
// header onto every piece), and every segment before it was exactly the
// batch's MSS. Anything else (SYN, FIN, RST, URG, a retransmission out of
// order) flushes the batch and goes alone.

// gsoLink is implemented by links that accept TCPv4 super-frames with
// Offload.GSOType set: GSOMaxSize is the longest such frame (Ethernet
// header included), 0 if none.
type gsoLink interface{ GSOMaxSize() int }

// virtio_net_hdr GSO type for TCPv4 (VIRTIO_NET_HDR_GSO_TCPV4).
const gsoTCPv4 = 1

// gsoBatch is a TCPConn's super-segment under construction; it lives
// between the first emit of an Output call and flushGSO at its end, under
// the connection's mu.
type gsoBatch struct {
	b        *Buffer // the TCP header and the payloads so far; nil when empty
	hl       int     // TCP header length
	mss      int     // payload of the first segment: the GSO size
	segs     int
	next     tcp.Seq // the sequence number that continues the batch
	closed   bool    // a short or PSH segment ended it
	ack      tcp.Seq
	window   uint16
	opts     tcp.Options
	ecn      uint8 // the IP ECN codepoint every piece carries
	src, dst netip.Addr
}

// gsoable reports whether seg may be part of a super-segment: data with
// only ACK (and PSH on the last piece).
func gsoable(seg *tcp.Segment) bool {
	return len(seg.Payload) > 0 && seg.Flags&^tcp.PSH == tcp.ACK && seg.Urgent == 0
}

// emitGSO takes seg into the connection's batch, flushing the batch first
// when seg cannot continue it. Caller holds c.mu (inside tc.Output).
func (c *TCPConn) emitGSO(seg *tcp.Segment, max int) {
	g := &c.gso
	if g.b != nil && g.join(seg, max, c.st.gather) {
		return
	}
	c.flushGSO()
	s := c.st.s
	src, dst := c.key.local.Addr(), c.key.remote.Addr()
	// A large buffer from the pool, so later payloads fit behind this one.
	b := s.newBuffer(maxDatagram - wire.IPv4MinHeaderLen)
	n := encodeTCPSegment(b.Bytes(), src, dst, seg, s.pathMTU(dst)-wire.IPv4MinHeaderLen)
	b.Trim(n)
	*g = gsoBatch{
		b: b, hl: n - len(seg.Payload), mss: len(seg.Payload), segs: 1,
		next:   seg.Seq.Add(len(seg.Payload)),
		closed: seg.Flags&tcp.PSH != 0,
		ack:    seg.Ack, window: seg.Window, opts: seg.Options,
		ecn: seg.ECN & ecnMask, src: src, dst: dst,
	}
}

// continues reports whether seg may follow the batch: in sequence, behind
// segments that were all full, with the header every piece will carry.
func (g *gsoBatch) continues(seg *tcp.Segment) bool {
	return !g.closed && seg.Seq == g.next &&
		seg.Ack == g.ack && seg.Window == g.window && seg.Options == g.opts && seg.ECN&ecnMask == g.ecn
}

// add appends p, segs segments' payload, to the batch: a copy behind the
// others, or, when the link gathers, a reference to where it lies in the
// send buffer (the batch's tail; see extendTail). The caller has checked
// that it fits; false when the tail has no room for another piece.
func (g *gsoBatch) add(p []byte, segs int, gather bool) bool {
	b := g.b
	if gather {
		if !b.extendTail(p) {
			return false
		}
	} else {
		copy(b.buf[b.end:b.end+len(p)], p)
		b.end += len(p)
	}
	g.segs += segs
	g.next = g.next.Add(len(p))
	return true
}

// join appends seg's payload to the batch if it continues it.
func (g *gsoBatch) join(seg *tcp.Segment, max int, gather bool) bool {
	p := seg.Payload
	if !g.continues(seg) || len(p) > g.mss || g.b.TotalLen()+len(p) > max || !g.add(p, 1, gather) {
		return false
	}
	if len(p) < g.mss || seg.Flags&tcp.PSH != 0 {
		// Only the last piece may be short or pushed (the kernel keeps
		// PSH on the last piece only).
		g.closed = true
		g.b.buf[g.b.off+13] |= uint8(tcp.PSH)
	}
	return true
}

// joinRun is join for the full segments of a run at once: seg is the
// first, with its header, and run its payload followed by the others',
// each len(seg.Payload) bytes. It takes as many as fit in the batch and
// returns their bytes (0: seg cannot continue the batch).
func (g *gsoBatch) joinRun(seg *tcp.Segment, run []byte, max int, gather bool) int {
	if !g.continues(seg) || len(seg.Payload) != g.mss || seg.Flags&tcp.PSH != 0 {
		return 0
	}
	k := min(len(run), max-g.b.TotalLen()) / g.mss
	if k <= 0 || !g.add(run[:k*g.mss], k, gather) {
		return 0
	}
	return k * g.mss
}

// extendTail appends p to b's tail: to its last slice when p follows it in
// memory (consecutive segments from the send buffer's ring), else as a
// new slice (the ring wrapped). It reports false when the tail is full.
//
// Sending the payload from the send buffer, not a copy, is safe because
// the frame leaves (Link.WriteBatch returns, the kernel having copied it)
// before anything can change those bytes, with one exception that does no
// harm. The ring never moves the bytes it holds (growing it makes a new
// array; the old one stays alive while a frame points into it), and the
// application writes only into free space. Bytes become free when they
// are acknowledged, and a segment's bytes cannot be acknowledged before
// the segment was sent, except for a retransmission whose original gets
// acknowledged while the retransmission waits in the transmit queue. Then
// the application may overwrite the acknowledged prefix before the frame
// leaves, the frame carries other bytes there (its checksum is the
// kernel's, computed over what it sends), and the receiver, which has
// those sequence numbers already, discards them as duplicates (RFC 9293
// §3.10.7.4). The part not yet acknowledged is still held, unchanged.
func (b *Buffer) extendTail(p []byte) bool {
	if b.ntail > 0 {
		t := b.tail[b.ntail-1]
		if len(p) > 0 && cap(t)-len(t) >= len(p) && &t[:len(t)+1][len(t)] == &p[0] {
			b.tail[b.ntail-1] = t[:len(t)+len(p)]
			return true
		}
	}
	if b.ntail == len(b.tail) {
		return false
	}
	b.tail[b.ntail] = p
	b.ntail++
	return true
}

// flushGSO sends the batch: a lone segment as it was encoded, several as
// one super-segment whose checksum field holds the pseudo-header sum over
// the whole length (VIRTIO_NET_HDR_F_NEEDS_CSUM: the kernel folds in the
// rest for each piece). Caller holds c.mu.
func (c *TCPConn) flushGSO() {
	g := &c.gso
	b := g.b
	if b == nil {
		return
	}
	if g.segs > 1 {
		d := b.Bytes()
		d[16], d[17] = 0, 0
		ps := wire.PseudoHeaderSum(wire.ProtoTCP, g.src, g.dst, uint16(b.TotalLen()))
		d[16], d[17] = byte(ps>>8), byte(ps)
		hdr := wire.EthernetHeaderLen + wire.IPv4MinHeaderLen
		b.gso = nic.Offload{
			NeedsChecksum: true,
			CsumStart:     uint16(hdr),
			CsumOffset:    16, // the TCP checksum field
			GSOType:       gsoTCPv4,
			GSOSize:       uint16(g.mss),
			HdrLen:        uint16(hdr + g.hl),
		}
		c.st.gsoSegs.Add(uint64(g.segs))
		c.st.gsoFrames.Add(1)
	}
	g.b = nil
	c.st.s.sendIPv4(b, g.dst, wire.ProtoTCP, sendOpts{df: true, src: g.src, tos: g.ecn})
}
