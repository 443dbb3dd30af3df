package stack

import (
	"sync"

	"github.com/tcpbox/tcpbox/nic"
)

// The transmit queue batches frames into one Link.WriteBatch (one
// sendmmsg on afpacket) while someone holds it: the receive goroutine
// holds it while it works through a batch of received frames, so the
// replies and ACKs that batch causes leave together, and the TCP glue may
// hold it around an Output loop (holdTx/releaseTx). With no holder a
// frame is written at once, so nothing waits longer than the holder's
// current batch. The queue flushes early at txBatch frames, which bounds
// the memory it keeps.
//
// The system call is made outside mu: every goroutine that sends (the
// receive goroutine, the timer goroutine, each application goroutine
// writing to a connection) takes mu for each frame, and a sendmmsg under
// it made all of them wait for one another's system calls. With 10,000
// echo goroutines writing at once, 97% of the mutex contention was on
// mu, the receive goroutine among the waiters, and frames waited up to
// 340 ms in the socket for it (TestTCPKernelManyConnections). wmu, taken
// under mu before mu is let go, keeps the batches in the order they were
// queued, so a connection's segments still leave in order.
const txBatch = 64

// bareFrame is the longest frame releaseRxBatch may leave to txWorker: an
// Ethernet, IPv4 and TCP header with 40 bytes of options (an ACK with
// SACK blocks) is 94 bytes.
const bareFrame = 128

type txQueue struct {
	mu      sync.Mutex
	holders int
	bufs    []*Buffer
	frames  []nic.Frame

	big  int           // how many of frames are longer than bareFrame
	kick chan struct{} // wakes txWorker; one place

	// wmu is held while a batch is written: taken with mu held, so the
	// lock order is mu, then wmu. The spare slices are the previous
	// batch's, free once wmu is held.
	wmu         sync.Mutex
	spareBufs   []*Buffer
	spareFrames []nic.Frame
}

// holdTx starts a batch: frames queue until the matching releaseTx.
func (s *Stack) holdTx() {
	q := &s.txq
	q.mu.Lock()
	q.holders++
	q.mu.Unlock()
}

// releaseTx ends a batch; the last holder flushes the queue.
func (s *Stack) releaseTx() {
	q := &s.txq
	q.mu.Lock()
	q.holders--
	if q.holders == 0 {
		q.flush(s)
	}
	q.mu.Unlock()
}

// releaseRxBatch is releaseTx for the receive goroutine at the end of a
// batch. When the batch caused only bare ACKs (and other frames no longer
// than bareFrame) and more frames wait on the link (the batch filled the
// slice, or the link says so), the system call is left to txWorker and
// the receive goroutine goes back to reading at once.
//
// Why: on a veth or loopback the kernel does the peer's work inside the
// sender's sendmmsg. An ACK to a Linux sender runs its tcp_ack, which
// sends the next flight of data through the veth into our own receive
// ring, all in our goroutine's system call. A profile of an upload with
// offloads off showed 7 µs per ACK spent there, while the frames that
// already waited in the ring stayed unread. Replies with payload, and
// batches with nothing waiting behind them (request-response), still
// leave from here: handing them over costs a wake-up that a bare ACK can
// afford and an echo reply cannot.
func (s *Stack) releaseRxBatch(full bool) {
	q := &s.txq
	q.mu.Lock()
	q.holders--
	bare := q.holders == 0 && len(q.frames) > 0 && q.big == 0 && !s.closing.Load()
	if !bare {
		if q.holders == 0 {
			q.flush(s)
		}
		q.mu.Unlock()
		return
	}
	q.mu.Unlock()
	// Asked outside mu: on the recvmmsg path it is a system call.
	if full || s.rxPending() {
		select {
		case q.kick <- struct{}{}:
			s.ctr.txHandoffs.Add(1)
		default: // txWorker has a kick waiting: it takes these frames too
		}
		return
	}
	q.mu.Lock()
	if q.holders == 0 {
		q.flush(s)
	}
	q.mu.Unlock()
}

// txWorker writes what releaseRxBatch leaves to it, until the stack
// closes. It takes whatever the queue holds when it runs, so frames
// queued meanwhile by a batch in progress leave early, which is no harm.
func (s *Stack) txWorker() {
	q := &s.txq
	for {
		stop := false
		select {
		case <-s.done:
			stop = true // write what is left, then end
		case <-q.kick:
		}
		q.mu.Lock()
		q.flush(s)
		q.mu.Unlock()
		if stop {
			return
		}
	}
}

func (q *txQueue) push(s *Stack, b *Buffer) {
	q.mu.Lock()
	if q.bufs == nil {
		q.bufs = make([]*Buffer, 0, txBatch)
		q.frames = make([]nic.Frame, 0, txBatch)
	}
	q.bufs = append(q.bufs, b)
	q.frames = append(q.frames, nic.Frame{Data: b.Bytes(), Tail: b.tail[:b.ntail], Offload: b.gso})
	if b.TotalLen() > bareFrame {
		q.big++
	}
	if q.holders == 0 || len(q.bufs) >= txBatch {
		q.flush(s)
	}
	q.mu.Unlock()
}

// flush writes the queued frames and releases their buffers. It is
// called with q.mu held and returns with it held, but lets it go for the
// system call: other goroutines may queue meanwhile.
func (q *txQueue) flush(s *Stack) {
	if len(q.frames) == 0 {
		return
	}
	q.wmu.Lock() // the previous batch is written; its slices are free
	bufs, frames := q.bufs, q.frames
	if q.spareBufs == nil {
		q.spareBufs = make([]*Buffer, 0, txBatch)
		q.spareFrames = make([]nic.Frame, 0, txBatch)
	}
	q.bufs, q.frames = q.spareBufs, q.spareFrames
	q.big = 0
	q.mu.Unlock()
	// A link reports frames it could not send as n < len (with an
	// error); those are counted here, the rest as sent.
	n, _ := s.link.WriteBatch(frames)
	if n < 0 {
		n = 0
	}
	for i, f := range frames {
		if i < n {
			s.ctr.txFrames.Add(1)
			s.ctr.txBytes.Add(uint64(len(f.Data)))
		} else {
			s.drop(DropTxError)
		}
		s.release(bufs[i])
		bufs[i] = nil
		frames[i] = nic.Frame{}
	}
	q.spareBufs, q.spareFrames = bufs[:0], frames[:0]
	q.wmu.Unlock()
	q.mu.Lock()
}
