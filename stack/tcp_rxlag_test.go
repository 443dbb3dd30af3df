package stack

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/nic"
	"github.com/tcpbox/tcpbox/stack/wire"
)

// pendLink is a link whose RxPending the test sets: frames "wait" on it
// while the receive goroutine is idle, as when that goroutine is
// runnable but not yet running.
type pendLink struct {
	nic.Link
	pending atomic.Bool
}

func (l *pendLink) RxPending() bool { return l.pending.Load() }

// newLagConn is a stallConn on a pendLink, with the clock moved to the
// connection's first loss-recovery deadline while frames wait: the timer
// is then waiting for the receive goroutine.
func newLagConn(t *testing.T) (*stallConn, *pendLink) {
	sc, pl, due := newPendConn(t)
	h := sc.h
	h.clock.Advance(due - h.clock.Now())
	waitFor(t, "the timer to wait", func() bool { return h.s.tcp().rxLag.n.Load() == 1 || sc.retransmissions() != 0 })
	if n := sc.retransmissions(); n != 0 {
		t.Fatalf("%d retransmissions while frames waited on the link", n)
	}
	return sc, pl
}

// newPendConn is a stallConn on a pendLink that says frames wait, and
// the deadline of its first loss-recovery timer.
func newPendConn(t *testing.T) (*stallConn, *pendLink, time.Duration) {
	pl := &pendLink{}
	h := newHarnessWrap(t, Options{}, func(l nic.Link) nic.Link { pl.Link = l; return pl })
	sc := newStallConnOn(t, h)
	sc.c.mu.Lock()
	due := sc.c.tc.NextDeadline()
	sc.c.mu.Unlock()
	pl.pending.Store(true)
	return sc, pl, due
}

// dupAckInBatch feeds a duplicate ACK (no ACK for the data) in a receive
// batch that the test plays itself, so that no read of the memlink
// passes the deadline meanwhile, after running first (if not nil) inside
// the batch; nothing may be resent.
func dupAckInBatch(t *testing.T, sc *stallConn, first func()) {
	t.Helper()
	s := sc.h.s
	s.tcpBeginBatch()
	if first != nil {
		first()
	}
	s.tcpInput(peerIP, dutIP, 0, sc.segment(wire.TCPFlagACK, sc.peerNext, sc.dataEnd-100))
	s.tcpEndBatch()
	if n := sc.retransmissions(); n != 0 {
		t.Fatalf("%d retransmissions from the Output of a duplicate ACK while frames waited", n)
	}
}

// ackLate lets the receive goroutine read the peer's ACK of the data
// and the link empty, and checks that nothing is resent, not even at
// rxLagMax.
func ackLate(t *testing.T, sc *stallConn, pl *pendLink) {
	t.Helper()
	// The ACK is on the link before the link says it is empty.
	sc.h.in(sc.frame(wire.TCPFlagACK, sc.peerNext, sc.dataEnd))
	waitFor(t, "the ACK", func() bool { i := sc.c.TCPInfo(); return i.SndUna == i.SndNxt })
	pl.pending.Store(false)
	sc.h.clock.Advance(rxLagMax)
	if got := sc.h.barrier(); len(got) != 0 || sc.retransmissions() != 0 {
		t.Fatalf("after the ACK: %d frames sent, %d retransmissions", len(got), sc.retransmissions())
	}
}

// A loss-recovery timer that comes due while frames wait on the link
// waits for the receive goroutine to read them (tcp_rxlag.go): an ACK
// among them leaves nothing to resend, however late it is read; without
// one the timer acts as soon as the link is read empty, or at rxLagMax.
func TestTCPTimerWaitsForReceiveGoroutine(t *testing.T) {
	t.Run("ack", func(t *testing.T) {
		sc, pl := newLagConn(t)
		sc.h.clock.Advance(rxLagMax / 2) // read half a second late
		ackLate(t, sc, pl)
	})
	t.Run("other segment first", func(t *testing.T) {
		// A duplicate ACK of this connection, read before the ACK that
		// waits behind it: its Output must not resend either.
		sc, pl := newLagConn(t)
		dupAckInBatch(t, sc, nil)
		ackLate(t, sc, pl)
	})
	t.Run("segment before the timer looked", func(t *testing.T) {
		// The deadline passes while frames wait, and a duplicate ACK is
		// read before the timer goroutine has run: its Output holds the
		// timer instead of firing it.
		sc, pl, due := newPendConn(t)
		dupAckInBatch(t, sc, func() { sc.h.clock.Advance(due - sc.h.clock.Now()) })
		ackLate(t, sc, pl)
	})
	t.Run("read empty without ack", func(t *testing.T) {
		sc, pl := newLagConn(t)
		sc.h.clock.Advance(rxLagMax / 2)
		pl.pending.Store(false)
		// A frame that is no ACK for the data (an ARP request): the
		// receive goroutine reads it and finds the link empty.
		sc.h.in(arpFrame(wire.ARPRequest, peerMAC, wire.BroadcastMAC, peerIP, [6]byte{}, dutIP))
		// The clock stays half a second short of rxLagMax.
		waitFor(t, "the resend", func() bool { return sc.retransmissions() != 0 })
	})
	t.Run("bound", func(t *testing.T) {
		sc, _ := newLagConn(t)
		sc.h.clock.Advance(rxLagMax - time.Millisecond)
		sc.h.barrier()
		if n := sc.retransmissions(); n != 0 {
			t.Fatalf("%d retransmissions before rxLagMax", n)
		}
		sc.h.clock.Advance(time.Millisecond)
		waitFor(t, "the resend at rxLagMax", func() bool { return sc.retransmissions() != 0 })
	})
}
