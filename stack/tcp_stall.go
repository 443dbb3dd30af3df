package stack

import (
	"time"

	"github.com/tcpbox/tcpbox/nic"
)

// A loss-recovery timer (RTO, tail loss probe, RACK reordering timer)
// acts on the absence of an ACK, so it must not fire while that ACK has
// already arrived and waits to be processed. Two places can hold such an
// ACK, and the stack's timer goroutine, which runs beside the receive
// goroutine, yields to both:
//
//   - the receive batch in progress: segments of the batch are in the
//     state machine or still ahead of it, and their connections' Output
//     runs at the batch's end (tcp_rxbatch.go). A connection whose timer
//     comes due meanwhile joins that list instead of running Output now,
//     so its timers are judged after the whole batch.
//   - the link's receive queue, when the receive goroutine is behind or
//     the process was off the CPU: the timer goroutine may then run
//     before the receive goroutine has read what arrived. A link that
//     can tell (nic.RxPender: nic/afpacket's SIOCINQ) is asked, and while
//     frames wait the timer waits for the receive goroutine to catch up
//     with its deadline, up to rxLagMax past it (tcp_rxlag.go). A link
//     that cannot tell leaves the lateness of the timer as the sign: one
//     that fires more than stallLate after its deadline is moved once by
//     as long as it was late (at most stallGraceMax). If no ACK comes,
//     the timer fires at the end.
//
// A third place makes a timer early rather than an ACK late: when the
// goroutine running a connection's Output is off the CPU between Output
// (which stamps the segments and arms the timers with its now) and the
// link, the segments leave later than the state machine believes.
// flushLocked measures that delay and moves the RTO and probe timeout by
// it (tcp.Conn.Delayed) once it exceeds stallLate.
//
// None of this is a congestion signal or counts as a retransmission; the
// delay it adds is bounded by one batch and stallGraceMax.

const (
	// stallLate is how late a timer may fire before the stack assumes
	// the process was stalled. The alarm of a running process fires
	// within tens of microseconds; 2 ms is far beyond that jitter yet
	// below Linux's 10 ms floor for the probe timeout.
	stallLate = 2 * time.Millisecond
	// stallGraceMax bounds the one postponement after a stall: small
	// against the 200 ms minimum RTO, while a receive goroutine that
	// was runnable with the timer goroutine gets scheduled well within
	// it.
	stallGraceMax = 20 * time.Millisecond
)

// rxPending asks the link, if it can tell (nic.RxPender: nic/afpacket,
// and wrappers that forward it), whether frames wait.
func (s *Stack) rxPending() bool { return nic.RxPending(s.link) }

// stallGrace returns how long to postpone a loss-recovery timer due at
// due (0: not due) that fires at now, given whether it was postponed
// already, the receive watermark caught (rxLag.caughtUp) and whether
// frames wait on the link (pending is called only when needed): 0 means
// act now. await means the postponement is the bound of a wait for the
// receive goroutine to pass due, which rxLag.await ends sooner.
func stallGrace(now, due time.Duration, graced bool, caught time.Duration, pending func() bool) (grace time.Duration, await bool) {
	if due == 0 {
		return 0, false
	}
	late := now - due
	if caught < due && late < rxLagMax && pending() {
		return rxLagMax - late, true
	}
	if graced || late <= stallLate {
		return 0, false
	}
	return min(late, stallGraceMax), false
}
