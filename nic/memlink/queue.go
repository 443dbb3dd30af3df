package memlink

import (
	"sync"

	"github.com/tcpbox/tcpbox/nic"
)

// queue is a bounded ring of preallocated frame buffers. Writers copy into
// free slots; the reader borrows up to a batch of slots, which stay out of
// the writers' reach until the reader's next call returns them.
type queue struct {
	mu     sync.Mutex
	cond   sync.Cond
	slots  []slot
	head   int // first slot held or queued
	held   int // slots lent to the reader by the last read
	queued int // slots filled and not yet read
	closed bool

	rxFrames, rxBytes, rxDropped uint64
}

type slot struct {
	buf []byte
	n   int
	off nic.Offload
}

func (q *queue) init(n, size int) {
	q.cond.L = &q.mu
	q.slots = make([]slot, n)
	for i := range q.slots {
		q.slots[i].buf = make([]byte, size)
	}
}

// write copies frames into free slots, dropping those that find the queue
// full. It reports false if the queue is closed (nothing was delivered).
func (q *queue) write(frames []nic.Frame) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return false
	}
	wake := false
	for i := range frames {
		if q.held+q.queued == len(q.slots) {
			q.rxDropped++
			continue
		}
		s := &q.slots[(q.head+q.held+q.queued)%len(q.slots)]
		s.n = copy(s.buf, frames[i].Data)
		s.off = frames[i].Offload
		q.queued++
		wake = true
	}
	if wake {
		q.cond.Signal()
	}
	return true
}

// read returns the slots lent by the previous call, then waits for at
// least one queued frame and lends up to len(frames) of them.
func (q *queue) read(frames []nic.Frame) (int, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.head = (q.head + q.held) % len(q.slots)
	q.held = 0
	if len(frames) == 0 {
		return 0, nil
	}
	q.held = 0
	for q.queued == 0 && !q.closed {
		q.cond.Wait()
	}
	if q.closed {
		return 0, nic.ErrClosed
	}
	n := min(q.queued, len(frames))
	for i := 0; i < n; i++ {
		s := &q.slots[(q.head+i)%len(q.slots)]
		frames[i] = nic.Frame{Data: s.buf[:s.n], Offload: s.off}
		q.rxBytes += uint64(s.n)
	}
	q.rxFrames += uint64(n)
	q.queued -= n
	q.held = n
	return n, nil
}

func (q *queue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.cond.Broadcast()
}

func (q *queue) isClosed() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.closed
}

func (q *queue) stats() nic.Stats {
	q.mu.Lock()
	defer q.mu.Unlock()
	return nic.Stats{RxFrames: q.rxFrames, RxBytes: q.rxBytes, RxDropped: q.rxDropped}
}
