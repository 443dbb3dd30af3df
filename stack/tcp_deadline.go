package stack

import (
	"sync"
	"time"
)

// tcpDeadline is one deadline of a TCPConn or TCPListener (read, write or
// accept), in the style of net.Conn: a point in wall-clock time after which
// blocked and future calls fail with os.ErrDeadlineExceeded.
//
// It is a channel that is closed when the deadline passes, so a blocked
// call selects on it beside its readiness notification. Setting a deadline
// arms one time.AfterFunc; nothing is done per segment. The zero value is
// ready to use and means "no deadline".
type tcpDeadline struct {
	mu      sync.Mutex
	at      time.Time
	timer   *time.Timer   // made once, then Reset: setting a deadline allocates nothing
	expired chan struct{} // closed once the deadline has passed; nil until first needed
	passed  bool
}

// set changes the deadline. The zero time clears it; a time in the past
// expires it at once, waking every blocked call.
func (d *tcpDeadline) set(t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer != nil {
		d.timer.Stop()
	}
	if d.expired == nil || d.passed {
		// A passed deadline that is moved again starts a new period.
		d.expired = make(chan struct{})
		d.passed = false
	}
	d.at = t
	if t.IsZero() {
		return
	}
	dur := time.Until(t)
	if dur <= 0 {
		close(d.expired)
		d.passed = true
		return
	}
	if d.timer == nil {
		d.timer = time.AfterFunc(dur, d.fire)
	} else {
		d.timer.Reset(dur)
	}
}

// fire runs on the timer: it closes the channel if the deadline it was
// armed for still stands and has come (a racing set may have moved it).
func (d *tcpDeadline) fire() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.passed || d.at.IsZero() || d.expired == nil {
		return
	}
	if dur := time.Until(d.at); dur > 0 {
		d.timer.Reset(dur)
		return
	}
	close(d.expired)
	d.passed = true
}

// done returns the channel that is closed when the deadline passes. With
// no deadline it is a channel that is never closed.
func (d *tcpDeadline) done() <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.expired == nil {
		d.expired = make(chan struct{})
	}
	return d.expired
}

// stop releases the timer (on Close).
func (d *tcpDeadline) stop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer != nil {
		d.timer.Stop()
	}
	d.at = time.Time{}
}

// tcpSignal is a level-free wakeup: a channel of capacity one that the
// receive loop pokes after a batch changed a connection's readiness, and
// that one blocked reader (or writer, or acceptor) drains. Poking never
// blocks and coalesces, so a batch of segments costs at most one wakeup.
type tcpSignal chan struct{}

func newTCPSignal() tcpSignal { return make(tcpSignal, 1) }

func (s tcpSignal) poke() {
	select {
	case s <- struct{}{}:
	default:
	}
}
