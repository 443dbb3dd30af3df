package stack

import (
	"sync/atomic"
	"time"
)

// tcpTimer is a connection's (or listener's) entry on the stack's one
// timer heap (timer.go). The glue re-arms it after every call into the
// state machine at tcp.Conn.NextDeadline; arming moves the entry, so
// nothing is allocated per segment and no time.Timer exists per
// connection.
type tcpTimer struct {
	s *Stack
	t *Timer
	// awaiting: on the list of timers waiting for the receive goroutine
	// to catch up (tcp_rxlag.go).
	awaiting atomic.Bool
	// woke: the receive goroutine armed the timer on catching up.
	woke atomic.Bool
}

func (t *tcpTimer) init(s *Stack, fn func(now time.Duration)) {
	t.s, t.t = s, s.newTimer(fn)
}

// arm sets the deadline; 0 disarms (the contract's "no timer armed").
func (t *tcpTimer) arm(at time.Duration) {
	if at == 0 {
		t.s.cancel(t.t)
		return
	}
	t.s.schedule(t.t, at)
}

func (t *tcpTimer) stop() { t.s.cancel(t.t) }
