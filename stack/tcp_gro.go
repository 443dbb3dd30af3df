package stack

import (
	"github.com/tcpbox/tcpbox/stack/tcp"
	"github.com/tcpbox/tcpbox/stack/wire"
)

// Receive coalescing (GRO) for links that hand over one MTU-sized frame
// per segment (offloads off). Within one receive batch, consecutive data
// segments of one connection that continue each other and differ in
// nothing else (ACK, window, options, ECN codepoint; only ACK set, PSH
// on the last one) are joined into one segment before TCP sees it, as
// Linux's GRO does before its TCP: the connection's lock, ACK processing
// and receive bookkeeping then run once per run of segments instead of
// once per segment. The joined payload is copied into a stack buffer,
// which the connection's receive buffer may keep and read from
// (tcp.PayloadLender), so a byte is still copied once on its way to the
// receive buffer, as before.
//
// Each segment is verified (checksum, header) before it joins. A run is
// delivered when the next segment does not continue it (another
// connection, a gap, a flag, different fields), when it would pass 64
// KiB, and at the end of the batch, always before anything else of that
// connection, so TCP sees the connection's segments in the order they
// came. Segments of 16 KiB or more (GSO super-frames with offloads on)
// are not joined: they are lent as they are (tcp_lend.go).
//
// It runs on the receive goroutine only, and only with a link read by
// it alone (Stack.rxOwned: a nic.FrameTaker, nic/afpacket): frames other
// goroutines inject, as tests do with memlink, never meet it.
// Options.NoGRO turns it off; Options.CopyReceive does not.

// groMax is the most payload one joined segment carries.
const groMax = maxDatagram - wire.IPv4MinHeaderLen - wire.TCPMaxHeaderLen

// groState is the run being joined.
type groState struct {
	on   bool     // the receive goroutine is inside a batch and may join
	c    *TCPConn // the run's connection; nil: no run
	seg  tcp.Segment
	n    int     // segments in the run
	buf  *Buffer // the joined payload, once a second segment joined
	next tcp.Seq // the sequence number that continues the run
	lend groLender
}

// groLender lends a run's buffer to the receive buffer.
type groLender struct {
	b     *Buffer
	taken bool
}

func (l *groLender) TakePayload() tcp.Releaser {
	l.taken = true
	return l.b
}

// groable reports whether seg may start a run: data with only ACK set,
// smaller than what is lent whole.
func groable(seg *tcp.Segment) bool {
	n := len(seg.Payload)
	return n > 0 && n < lendMin && seg.Flags == tcp.ACK && seg.Urgent == 0
}

// join appends seg to the run if it continues it.
func (t *tcpStack) groJoin(seg *tcp.Segment) bool {
	g := &t.s.gro
	p := seg.Payload
	if len(p) == 0 || seg.Seq != g.next || seg.Flags&^tcp.PSH != tcp.ACK || g.seg.Flags&tcp.PSH != 0 ||
		seg.Ack != g.seg.Ack || seg.Window != g.seg.Window || seg.Urgent != 0 ||
		seg.Options != g.seg.Options || seg.ECN != g.seg.ECN || len(g.seg.Payload)+len(p) > groMax {
		return false
	}
	if g.buf == nil {
		// The second segment: from here on the run lives in a buffer of
		// its own (the first one's frame is the link's).
		g.buf = t.s.newBuffer(groMax)
		g.buf.Trim(copy(g.buf.Bytes(), g.seg.Payload))
	}
	b := g.buf
	n := b.Len()
	b.Trim(n + copy(b.buf[b.off+n:b.off+n+len(p)], p))
	g.seg.Payload = b.Bytes()
	g.seg.Flags |= seg.Flags & tcp.PSH
	g.n++
	g.next = g.next.Add(len(p))
	return true
}

// groStart begins a run with seg for c.
func (t *tcpStack) groStart(c *TCPConn, seg *tcp.Segment) {
	g := &t.s.gro
	g.c, g.seg, g.n, g.buf = c, *seg, 1, nil
	g.next = seg.Seq.Add(len(seg.Payload))
}

// groFlush delivers the run, if any, to its connection.
func (t *tcpStack) groFlush() {
	g := &t.s.gro
	c := g.c
	if c == nil {
		return
	}
	g.c = nil
	seg := g.seg
	b := g.buf
	g.seg, g.buf = tcp.Segment{}, nil
	if b != nil {
		g.lend = groLender{b: b}
		seg.Lender = &g.lend
		t.s.ctr.rxCoalesced.Add(uint64(g.n - 1))
	}
	c.input(t.now(), &seg) // a run holds no SYN: nothing more to do
	if b != nil && !g.lend.taken {
		t.s.release(b)
	}
}
