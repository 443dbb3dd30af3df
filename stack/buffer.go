package stack

import (
	"net/netip"
	"sync"

	"github.com/tcpbox/tcpbox/nic"
)

// Headroom is the space a Buffer keeps in front of its data for the
// headers the send path prepends: Ethernet (14), IPv4 with options (60)
// and a transport header with options (TCP: 60), rounded up.
const Headroom = 144

// maxDatagram is the largest IPv4 datagram.
const maxDatagram = 0xffff

// Buffer is a packet under construction or in a queue: a byte array with
// headroom, taken from the stack's pool and returned to it with Release.
// The data is b.Bytes(); Prepend grows it towards the front.
//
// Ownership: whoever holds a *Buffer owns it until it passes it to a call
// documented as taking it (sendIPv4 always does, success or not) or
// releases it. A Buffer must not be used after that.
type Buffer struct {
	buf   []byte
	off   int // start of data in buf
	end   int // end of data in buf
	large bool
	pool  *bufferPool // where Release returns it
	// from is the source of a received UDP datagram queued on a socket.
	from netip.AddrPort
	// gso is the segmentation and checksum work a TCP super-segment
	// leaves to the link (tcp_gso.go); zero for a complete frame.
	gso nic.Offload
	// tail continues the data on the wire (nic.Frame.Tail): a TCP
	// super-segment's payloads where they lie in the send buffer
	// (tcp_gso.go). ntail slices are in use.
	tail  [nic.MaxTail][]byte
	ntail int
}

// TotalLen is the data length with the tail.
func (b *Buffer) TotalLen() int {
	n := b.end - b.off
	for _, t := range b.tail[:b.ntail] {
		n += len(t)
	}
	return n
}

// clearTail forgets the tail, so that a pooled Buffer does not keep a
// send buffer reachable.
func (b *Buffer) clearTail() {
	for i := range b.ntail {
		b.tail[i] = nil
	}
	b.ntail = 0
}

// Bytes is the data.
func (b *Buffer) Bytes() []byte { return b.buf[b.off:b.end] }

// Len is the data length.
func (b *Buffer) Len() int { return b.end - b.off }

// Prepend extends the data n bytes towards the front and returns those n
// bytes. It panics if the headroom is exhausted, which is a programming
// error (Headroom covers every header the stack writes).
func (b *Buffer) Prepend(n int) []byte {
	b.off -= n
	return b.buf[b.off : b.off+n]
}

// Trim cuts the data to its first n bytes.
func (b *Buffer) Trim(n int) { b.end = b.off + n }

// bufferPool hands out Buffers in two size classes: frames (headroom +
// the link MTU + Ethernet header) and large datagrams (headroom + 64 KiB).
type bufferPool struct {
	small, large sync.Pool
	smallCap     int
}

func (p *bufferPool) init(mtu int) {
	p.smallCap = Headroom + mtu + nic.EthernetHeaderLen
	p.small.New = func() any { return &Buffer{buf: make([]byte, p.smallCap), pool: p} }
	p.large.New = func() any {
		return &Buffer{buf: make([]byte, Headroom+maxDatagram+nic.EthernetHeaderLen), large: true, pool: p}
	}
}

// get returns a buffer whose data is n bytes (contents undefined) after
// Headroom bytes of room.
func (p *bufferPool) get(n int) *Buffer {
	var b *Buffer
	if Headroom+n <= p.smallCap {
		b = p.small.Get().(*Buffer)
	} else {
		b = p.large.Get().(*Buffer)
	}
	b.off, b.end = Headroom, Headroom+n
	b.from = netip.AddrPort{}
	b.gso = nic.Offload{}
	return b
}

func (p *bufferPool) put(b *Buffer) {
	b.clearTail()
	if b.large {
		p.large.Put(b)
	} else {
		p.small.Put(b)
	}
}

// newBuffer returns a Buffer with n bytes of data room (after Headroom),
// from the stack's pool. n must be at most 65535.
func (s *Stack) newBuffer(n int) *Buffer { return s.pool.get(n) }

// release returns b to the pool.
func (s *Stack) release(b *Buffer) { s.pool.put(b) }

// Release returns b to the pool it came from (a tcp.Releaser, for a
// buffer a receive buffer keeps: tcp_gro.go).
func (b *Buffer) Release() { b.pool.put(b) }
