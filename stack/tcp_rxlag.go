package stack

import (
	"sync"
	"sync/atomic"
	"time"
)

// Waiting for the receive goroutine to catch up with a timer's deadline.
//
// A loss-recovery timer acts on the absence of an ACK (RFC 6298 §5,
// RFC 8985 §6.3, §7.3). On Linux the ACK is processed in softirq as it
// arrives, so it cannot be missing while it waits; here it waits in the
// link's receive queue until the receive goroutine reads it. Under a
// burst on a loaded machine that goroutine falls far behind the wire:
// with 10,000 kernel connections opening and echoing at once
// (TestTCPKernelManyConnections) frames waited up to 840 ms between the
// veth and tcpbox's input, and 2,400 to 5,600 echoed segments per run
// were resent by the retransmission timer 200 to 330 ms after they left,
// their ACKs unread in the socket.
//
// So a timer that comes due while the link holds frames (nic.RxPender) waits
// until the receive goroutine has caught up with its deadline: until a
// ReadBatch that began at or after the deadline came back short (the
// link had no more frames), or one came back short and the link then
// held nothing, and what it read went through the input path. Every
// frame that reached the link before the deadline has then been
// processed, and the timer acts only if its ACK was not among them, as
// on a host whose receive path keeps up. The wait is bounded by
// rxLagMax; without an ACK the timer acts then.
//
// Waiting costs nothing while it lasts: the timer's owner joins a list
// once, and the receive goroutine, when it catches up, arms the timers
// of those whose deadline it has passed to run at once. (The 1 ms poll
// of the link this replaces asked the link 20,000 times in one such run,
// on the CPU the receive goroutine was short of.)

// rxLagMax bounds the wait: the initial RTO (RFC 6298 §2.1), beyond
// which a receive path that is still behind is overloaded, not late.
const rxLagMax = time.Second

// rxLag is the stack's receive watermark and the timers waiting on it.
type rxLag struct {
	// caught is the stack time at which the receive goroutine last began
	// a ReadBatch that came back short, stored after what it read was
	// processed: every frame that reached the link before it has been
	// through the input path.
	caught atomic.Int64
	n      atomic.Int32 // len(waiting), for the receive goroutine's fast path

	mu      sync.Mutex
	waiting []rxLagWaiter
}

type rxLagWaiter struct {
	t   *tcpTimer
	due time.Duration // the deadline the receive goroutine must pass
}

// caughtUp returns the watermark.
func (l *rxLag) caughtUp() time.Duration { return time.Duration(l.caught.Load()) }

// await puts t on the list until the receive goroutine has caught up
// with due. A timer already on the list is not added again (its entry
// wakes it, and it looks again then); the list holds each timer at most
// once, so its length is bounded by the connections and listeners.
func (l *rxLag) await(t *tcpTimer, due time.Duration) {
	if !t.awaiting.CompareAndSwap(false, true) {
		return
	}
	l.mu.Lock()
	l.waiting = append(l.waiting, rxLagWaiter{t, due})
	l.n.Store(int32(len(l.waiting)))
	l.mu.Unlock()
}

// drained records that a ReadBatch begun at start came back short and
// its frames were processed (receive goroutine), and arms the waiting
// timers whose deadline that passes to run now; all of them if the link
// holds no frames now (it is asked only while timers wait). It takes no
// connection's lock, so a connection held by a descheduled application
// goroutine cannot hold the receive goroutine up.
func (l *rxLag) drained(s *Stack, start time.Duration) {
	l.caught.Store(int64(start))
	if l.n.Load() == 0 {
		return
	}
	idle := !s.rxPending()
	now := s.now()
	l.mu.Lock()
	keep := l.waiting[:0]
	for _, w := range l.waiting {
		if w.due > start && !idle {
			keep = append(keep, w)
			continue
		}
		w.t.woke.Store(true)
		w.t.awaiting.Store(false)
		s.schedule(w.t.t, now)
	}
	clear(l.waiting[len(keep):])
	l.waiting = keep
	l.n.Store(int32(len(keep)))
	l.mu.Unlock()
}

// holdIfBehind holds the connection's loss-recovery timers when one has
// expired by now while frames that may hold its ACK wait on the link,
// as onTimer would: Output may run for another reason first (a segment
// of the connection read before the ACK, the application writing), and
// the timer goroutine may not have looked yet. The caller holds c.mu and
// is about to call Output.
func (c *TCPConn) holdIfBehind(now time.Duration) {
	due := c.tc.RetransmitDue(now)
	if due == 0 || c.timer.awaiting.Load() {
		return
	}
	if g, await := stallGrace(now, due, true, c.st.rxLag.caughtUp(), c.st.s.rxPending); await {
		c.st.stallGraces.Add(1)
		c.tc.HoldLossTimers(now, now+g)
		c.st.rxLag.await(&c.timer, due)
	}
}
