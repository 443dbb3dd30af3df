package stack

import (
	"encoding/binary"
	"sync"
	"sync/atomic"

	"github.com/tcpbox/tcpbox/nic"
	"github.com/tcpbox/tcpbox/stack/wire"
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
// 340 ms in the socket for it (TestTCPKernelManyConnections).
//
// Batches are written concurrently, except where order matters: a batch
// waits for an earlier one still being written only when the two share a
// flow (flowBit: the remote address and the ports), so a connection's
// segments still leave in the order they were queued. Before, one lock
// kept every batch behind the one being written. On a veth the kernel
// runs the peer's receive path inside our sendmmsg (10 to 20 us for an
// echo reply), and in the connection-rate run the receive goroutine
// waited 44 us on average, 1,000 times in 300 ms, to send a SYN-ACK
// behind an echo handler's reply to another connection.
const txBatch = 64

// maxFree bounds the written batches kept for reuse. Goroutines sending
// at once make a batch each while earlier ones are written, and a batch
// grows past txBatch frames while its flush waits for its turn; without
// the bound the queue kept every one it ever made, at its largest. A
// bound on the batches under way instead (waiting for room before taking
// one) made the receive goroutine wait behind the writers: the frame ring
// overflowed while 10,000 connections opened (hack/bench -idle 10000).
const maxFree = 8

// bareFrame is the longest frame releaseRxBatch may leave to txWorker: an
// Ethernet, IPv4 and TCP header with 40 bytes of options (an ACK with
// SACK blocks) is 94 bytes.
const bareFrame = 128

type txQueue struct {
	mu      sync.Mutex
	holders int
	cur     *txFrames // the frames queued and not yet taken by a flush

	big  int           // how many of cur's frames are longer than bareFrame
	kick chan struct{} // wakes txWorker; one place
	// polling is set while txWorker busy-polls for a kick
	// (Options.TxBusyPoll): a kick then costs no wake-up.
	polling atomic.Bool

	// inflight are the batches taken by flushes and not yet written,
	// oldest first; written is signalled (under mu) when one is done.
	// free are written batches, their slices kept for reuse: at most
	// maxFree, of txBatch frames each.
	inflight []*txFrames
	written  sync.Cond
	free     []*txFrames
}

// txFrames is one WriteBatch's frames and the buffers behind them.
type txFrames struct {
	bufs   []*Buffer
	frames []nic.Frame
	flows  uint64 // the OR of the frames' flowBit
}

// flowBit maps a frame to one of 64 bits by its IPv4 destination and, for
// TCP and UDP, its ports; frames that are not IPv4 share bit 0. Frames of
// one flow always map to the same bit, so batches whose bits do not meet
// share no flow; a false meeting only costs a wait.
func flowBit(frame []byte) uint64 {
	const eth = wire.EthernetHeaderLen
	if len(frame) < eth+wire.IPv4MinHeaderLen || binary.BigEndian.Uint16(frame[12:]) != wire.EtherTypeIPv4 {
		return 1
	}
	ip := wire.IPv4(frame[eth:])
	h := uint64(binary.BigEndian.Uint32(ip[16:20])) << 32 // the destination
	if p := ip.Protocol(); (p == wire.ProtoTCP || p == wire.ProtoUDP) && len(ip) >= ip.HeaderLen()+4 {
		h |= uint64(binary.BigEndian.Uint32(ip[ip.HeaderLen():])) // the ports
	}
	// splitmix64's finalizer: every input bit moves the top six.
	h = (h ^ h>>30) * 0xbf58476d1ce4e5b9
	h = (h ^ h>>27) * 0x94d049bb133111eb
	h ^= h >> 31
	return 1 << (h >> 58)
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
// slice, or the link says so) or txWorker is busy-polling for work
// (pollTx), the system call is left to txWorker and the receive
// goroutine goes back to reading at once.
//
// Why: on a veth or loopback the kernel does the peer's work inside the
// sender's sendmmsg. An ACK to a Linux sender runs its tcp_ack, which
// sends the next flight of data through the veth into our own receive
// ring, all in our goroutine's system call. A profile of an upload with
// offloads off showed 7 µs per ACK spent there, while the frames that
// already waited in the ring stayed unread. Replies with payload, and
// batches with nothing waiting behind them (request-response), still
// leave from here: handing them over costs a wake-up that a bare ACK can
// afford and an echo reply cannot, unless they would wait for an earlier
// batch of their flow anyway.
func (s *Stack) releaseRxBatch(full bool) {
	q := &s.txq
	q.mu.Lock()
	q.holders--
	if q.holders > 0 || q.cur == nil {
		q.mu.Unlock()
		return
	}
	closing := s.closing.Load()
	if !closing && q.waitsFor(q.cur) {
		// An earlier batch of one of these flows is still being written
		// (txWorker's, mostly: the ACKs of the batch before). Instead of
		// waiting for it, leave these to txWorker too, which writes them
		// after it, in order; this goroutine reads on. In an upload with
		// offloads off the wait took 7% of this goroutine's time, 266 us
		// each.
		q.mu.Unlock()
		s.kickTx()
		return
	}
	if q.big > 0 || closing {
		q.flush(s)
		q.mu.Unlock()
		return
	}
	q.mu.Unlock()
	// Asked outside mu: on the recvmmsg path it is a system call.
	if q.polling.Load() || full || s.rxPending() {
		s.kickTx()
		return
	}
	q.mu.Lock()
	if q.holders == 0 {
		q.flush(s)
	}
	q.mu.Unlock()
}

// kickTx leaves what the queue holds to txWorker.
func (s *Stack) kickTx() {
	select {
	case s.txq.kick <- struct{}{}:
		s.ctr.txHandoffs.Add(1)
	default: // txWorker has a kick waiting: it takes these frames too
	}
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
		for {
			q.mu.Lock()
			q.flush(s)
			q.mu.Unlock()
			if stop || !s.pollTx() {
				break
			}
		}
		if stop {
			return
		}
	}
}

// pollTx busy-polls for a kick for up to Options.TxBusyPoll and reports
// whether one came (false also when the stack closes).
//
// Why: a kicked txWorker that sleeps must be woken, and in an upload
// with offloads off (hack/bench, a Go execution trace of 300 ms) it ran
// a median of 55 us after the kick when woken onto the receive
// goroutine's P and 117 us onto the other, idle one: the idle CPU of a
// virtual machine is woken through the hypervisor. Meanwhile the ACKs
// waited and the sender, short of window, sent nothing. While txWorker
// polls, the receive goroutine leaves it every batch of bare ACKs
// (releaseRxBatch), so the sender's next flight, which the kernel sends
// inside our sendmmsg on a veth, is sent by txWorker on the other CPU
// while the receive goroutine reads on.
func (s *Stack) pollTx() bool {
	d := s.opts.TxBusyPoll
	if d <= 0 {
		return false
	}
	q := &s.txq
	q.polling.Store(true)
	defer q.polling.Store(false)
	return nic.BusyPoll(d, func() (ok, done bool) {
		select {
		case <-q.kick:
			s.ctr.txBusyPolled.Add(1)
			return true, true
		case <-s.done:
			return false, true
		default:
			return false, false
		}
	})
}

func (q *txQueue) push(s *Stack, b *Buffer) {
	flow := flowBit(b.Bytes()) // outside mu, which every sender takes
	q.mu.Lock()
	c := q.cur
	if c == nil {
		if n := len(q.free); n > 0 {
			c, q.free = q.free[n-1], q.free[:n-1]
		} else {
			c = &txFrames{bufs: make([]*Buffer, 0, txBatch), frames: make([]nic.Frame, 0, txBatch)}
		}
		q.cur = c
	}
	c.bufs = append(c.bufs, b)
	c.frames = append(c.frames, nic.Frame{Data: b.Bytes(), Tail: b.tail[:b.ntail], Offload: b.gso})
	c.flows |= flow
	if b.TotalLen() > bareFrame {
		q.big++
	}
	if q.holders == 0 || len(c.bufs) >= txBatch {
		q.flush(s)
	}
	q.mu.Unlock()
}

// flush writes the queued frames and releases their buffers. It is
// called with q.mu held and returns with it held, but lets it go for the
// system call: other goroutines may queue, and flush, meanwhile.
func (q *txQueue) flush(s *Stack) {
	c := q.cur
	if c == nil {
		return
	}
	q.cur, q.big = nil, 0
	q.inflight = append(q.inflight, c)
	for q.waitsFor(c) {
		q.written.Wait()
	}
	q.mu.Unlock()
	// A link reports frames it could not send as n < len (with an
	// error); those are counted here, the rest as sent.
	n, _ := s.link.WriteBatch(c.frames)
	n = min(max(n, 0), len(c.frames))
	var bytes int
	for i, f := range c.frames {
		if i < n {
			bytes += len(f.Data)
		} else {
			s.drop(DropTxError)
		}
		s.release(c.bufs[i])
		c.bufs[i] = nil
		c.frames[i] = nic.Frame{}
	}
	s.ctr.txFrames.Add(uint64(n))
	s.ctr.txBytes.Add(uint64(bytes))
	c.bufs, c.frames = c.bufs[:0], c.frames[:0]
	q.mu.Lock()
	c.flows = 0 // read by waitsFor, under mu, while c is in inflight
	for i, x := range q.inflight {
		if x == c {
			last := len(q.inflight) - 1
			copy(q.inflight[i:], q.inflight[i+1:])
			q.inflight[last] = nil
			q.inflight = q.inflight[:last]
			break
		}
	}
	if len(q.free) < maxFree && cap(c.bufs) == txBatch {
		q.free = append(q.free, c)
	} // else the garbage collector takes it
	q.written.Broadcast()
}

// waitsFor reports whether an earlier batch still being written shares a
// flow with c: one before c in q.inflight, or any there for q.cur.
// Called with q.mu held.
func (q *txQueue) waitsFor(c *txFrames) bool {
	for _, x := range q.inflight {
		if x == c {
			return false
		}
		if x.flows&c.flows != 0 {
			return true
		}
	}
	return false
}
