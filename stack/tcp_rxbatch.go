package stack

import "sync"

// Work deferred to the end of a receive batch. While the receive
// goroutine works through one Link.ReadBatch, an in-order data or ACK
// segment only goes into its connection's state machine; the
// connection's Output (the ACK, new data the ACK allowed, the reader's
// wake-up, the timer) runs once for the whole batch at its end. Many
// segments of one flow in a batch then cost one ACK and one wake-up, as
// Linux's GRO gives its TCP one stretch segment per flow and NAPI poll.
// RFC 5681 §4.2 (an ACK at least every second full-sized segment) is a
// SHOULD; the batch is bounded (rxBatch frames), so the delay is bounded
// by the time the stack takes to process one batch.
//
// SYN, FIN and RST segments are flushed at once: they change the
// connection's life (table entries, TIME-WAIT reuse) and are rare.

// tcpRxBatch is the list of connections waiting for the end of the
// batch. mu makes it safe for tests that call tcpInput from their own
// goroutine while the receive goroutine is inside a batch.
type tcpRxBatch struct {
	mu     sync.Mutex
	active bool
	conns  []*TCPConn
}

// tcpBeginBatch starts deferring (the receive goroutine, before a batch).
func (s *Stack) tcpBeginBatch() {
	t := s.tcp()
	t.rxb.mu.Lock()
	t.rxb.active = true
	t.rxb.mu.Unlock()
}

// tcpEndBatch stops deferring and flushes every connection that was
// deferred (the receive goroutine, after a batch, before releaseTx, so
// the ACKs leave in the batch's WriteBatch).
func (s *Stack) tcpEndBatch() {
	t := s.tcp()
	b := &t.rxb
	b.mu.Lock()
	b.active = false
	conns := b.conns
	b.conns = nil
	b.mu.Unlock()
	if len(conns) == 0 {
		if conns != nil {
			b.reuse(conns)
		}
		return
	}
	now := t.now()
	for i, c := range conns {
		c.mu.Lock()
		if c.deferred {
			c.deferred = false
			if !c.gone {
				c.flushLocked(now)
			}
		}
		c.mu.Unlock()
		conns[i] = nil
	}
	b.reuse(conns)
}

// reuse gives the emptied slice back for the next batch.
func (b *tcpRxBatch) reuse(conns []*TCPConn) {
	b.mu.Lock()
	if b.conns == nil {
		b.conns = conns[:0]
	}
	b.mu.Unlock()
}

// deferFlush puts c on the batch's list if a batch is active and reports
// whether it did; the caller holds c.mu and then skips flushLocked.
func (t *tcpStack) deferFlush(c *TCPConn) bool {
	if c.deferred {
		// Already on the list of the batch in progress (tcpEndBatch
		// clears the flag under c.mu): no need for the batch's lock.
		return true
	}
	b := &t.rxb
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.active {
		return false
	}
	if !c.deferred {
		c.deferred = true
		b.conns = append(b.conns, c)
	}
	return true
}
