package stack

import (
	"sync/atomic"

	"github.com/tcpbox/tcpbox/nic"
	"github.com/tcpbox/tcpbox/stack/tcp"
)

// Receive without the second copy. A link that lets its receive buffers
// be taken over (nic.FrameTaker: nic/afpacket's recvmmsg path, through
// the pcap tee) lets a connection's receive buffer keep a large in-order
// payload where it arrived: the receive goroutine then hands the frame's
// memory to the connection instead of copying its bytes, and the
// application's Read copies them once, into its own buffer. With
// offloads on, where the kernel hands over 64 KiB super-frames, that
// copy was a third of the receive goroutine's time in an upload (the
// goroutine every byte passes through) and the rest of its work is one
// recvmmsg per batch.
//
// The frame being processed is s.lend: rxLoop names it before input and
// clears it after, and a datagram rebuilt from fragments is not one
// frame, so ipInput clears it too. Only a link that can lend has s.lend
// written, so frames a test injects from its own goroutine beside the
// receive goroutine (memlink) touch it not at all. tcp.Conn takes the
// payload (once, in Input) only when it can keep it in order
// (tcp/recvbuf.go).

// lendMin is the smallest payload offered: a taken buffer is a whole
// receive buffer (64 KiB with the vnet header), so a small payload would
// pin many times its size. 16 KiB keeps that under four times, and lends
// GSO super-frames (offloads on) but not MTU-sized frames.
const lendMin = 16 << 10

// frameLender offers the current frame's memory (tcp.PayloadLender).
type frameLender struct {
	taker nic.FrameTaker // nil: the link cannot lend
	i     int            // the frame's index in the batch
	ok    bool           // i names the frame being processed, not yet taken
	count *atomic.Uint64 // Stats.RxLent
}

// TakePayload takes the frame out of the link.
func (l *frameLender) TakePayload() tcp.Releaser {
	if !l.ok {
		return nil
	}
	l.ok = false
	if r := l.taker.TakeFrame(l.i); r != nil {
		l.count.Add(1)
		return r
	}
	return nil
}

// lender returns what to offer a segment's payload of n bytes: nil when
// it is small or not in frame memory the link can lend.
func (s *Stack) lender(n int) tcp.PayloadLender {
	if n < lendMin || !s.lend.ok {
		return nil
	}
	return &s.lend
}
