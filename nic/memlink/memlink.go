// Package memlink joins two nic.Links back to back in memory, for tests:
// a frame written on one end is read on the other. Each end owns a
// bounded receive queue of preallocated buffers; a writer that finds the
// peer's queue full drops the frame and the peer counts it in
// Stats.RxDropped, so a writer never blocks, as with a real NIC.
//
// It is not a model of a medium: no delay, loss or rate limit (wrap it in
// nic/impair for those), no broadcast domain beyond the two ends, and no
// MAC filtering (every frame written on one end is delivered to the other).
package memlink

import (
	"fmt"
	"sync/atomic"

	"github.com/tcpbox/tcpbox/nic"
)

// DefaultQueueLen is the receive queue length, in frames, of each end.
const DefaultQueueLen = 512

// Options configure a pair.
type Options struct {
	MTU        int // payload after the Ethernet header; default 1500
	MACA, MACB [6]byte
	// QueueLen is the receive queue of each end in frames; default
	// DefaultQueueLen. Memory per end is QueueLen*(MTU+14) bytes.
	QueueLen int
}

// Pair returns two links joined back to back with default queues.
func Pair(mtu int, macA, macB [6]byte) (a, b nic.Link) {
	la, lb := New(Options{MTU: mtu, MACA: macA, MACB: macB})
	return la, lb
}

// New returns two links joined back to back.
func New(o Options) (a, b *Link) {
	if o.MTU <= 0 {
		o.MTU = 1500
	}
	if o.QueueLen <= 0 {
		o.QueueLen = DefaultQueueLen
	}
	a = &Link{mtu: o.MTU, mac: o.MACA}
	b = &Link{mtu: o.MTU, mac: o.MACB}
	a.q.init(o.QueueLen, o.MTU+nic.EthernetHeaderLen)
	b.q.init(o.QueueLen, o.MTU+nic.EthernetHeaderLen)
	a.peer, b.peer = b, a
	return a, b
}

// Link is one end of a pair.
type Link struct {
	mtu  int
	mac  [6]byte
	peer *Link
	q    queue

	txFrames, txBytes, txDropped atomic.Uint64
}

var _ nic.Link = (*Link)(nil)

// ReadBatch blocks until at least one frame is queued or the link is
// closed. The returned Data point into the link's own buffers, valid until
// the next ReadBatch or Close.
func (l *Link) ReadBatch(frames []nic.Frame) (int, error) {
	return l.q.read(frames)
}

// WriteBatch copies frames into the peer's receive queue. A frame that
// does not fit (queue full) is dropped and counted by the peer; a frame
// longer than the MTU stops the batch: the frames before it are sent and
// their count returned with an error wrapping ErrTooBig.
func (l *Link) WriteBatch(frames []nic.Frame) (int, error) {
	if l.q.isClosed() {
		return 0, nic.ErrClosed
	}
	max := l.mtu + nic.EthernetHeaderLen
	var tooBig error
	for i := range frames {
		if len(frames[i].Data) > max {
			// Send what precedes the bad frame, as a NIC would.
			tooBig = fmt.Errorf("memlink: frame of %d bytes, limit %d: %w", len(frames[i].Data), max, nic.ErrTooBig)
			frames = frames[:i]
			break
		}
	}
	delivered := l.peer.q.write(frames)
	var bytes uint64
	for i := range frames {
		bytes += uint64(len(frames[i].Data))
	}
	l.txFrames.Add(uint64(len(frames)))
	l.txBytes.Add(bytes)
	if !delivered {
		// The peer is closed: the frames went nowhere.
		l.txDropped.Add(uint64(len(frames)))
	}
	return len(frames), tooBig
}

// MTU returns the payload limit after the Ethernet header.
func (l *Link) MTU() int { return l.mtu }

// MAC returns the address given to New.
func (l *Link) MAC() [6]byte { return l.mac }

// Stats returns a snapshot of the counters.
func (l *Link) Stats() nic.Stats {
	s := l.q.stats()
	s.TxFrames = l.txFrames.Load()
	s.TxBytes = l.txBytes.Load()
	s.TxDropped = l.txDropped.Load()
	return s
}

// Close closes this end: a blocked ReadBatch returns ErrClosed, and the
// peer's writes are dropped from now on. Closing twice is harmless.
func (l *Link) Close() error {
	l.q.close()
	return nil
}
