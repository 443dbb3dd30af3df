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

const txBatch = 64

type txQueue struct {
	mu      sync.Mutex
	holders int
	bufs    []*Buffer
	frames  []nic.Frame
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

func (q *txQueue) push(s *Stack, b *Buffer) {
	q.mu.Lock()
	if q.bufs == nil {
		q.bufs = make([]*Buffer, 0, txBatch)
		q.frames = make([]nic.Frame, 0, txBatch)
	}
	q.bufs = append(q.bufs, b)
	q.frames = append(q.frames, nic.Frame{Data: b.Bytes(), Offload: b.gso})
	if q.holders == 0 || len(q.bufs) >= txBatch {
		q.flush(s)
	}
	q.mu.Unlock()
}

// flush writes the queued frames and releases their buffers; q.mu held.
func (q *txQueue) flush(s *Stack) {
	if len(q.frames) == 0 {
		return
	}
	// A link reports frames it could not send as n < len (with an
	// error); those are counted here, the rest as sent.
	n, _ := s.link.WriteBatch(q.frames)
	if n < 0 {
		n = 0
	}
	for i, f := range q.frames {
		if i < n {
			s.ctr.txFrames.Add(1)
			s.ctr.txBytes.Add(uint64(len(f.Data)))
		} else {
			s.drop(DropTxError)
		}
		s.release(q.bufs[i])
		q.bufs[i] = nil
		q.frames[i] = nic.Frame{}
	}
	q.bufs, q.frames = q.bufs[:0], q.frames[:0]
}
