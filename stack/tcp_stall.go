package stack

import "time"

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
//   - the link's receive queue, when the process was off the CPU: the
//     timer goroutine then wakes late and may run before the receive
//     goroutine has read what arrived meanwhile. A loss-recovery timer
//     that fires more than stallLate after its deadline is moved once by
//     as long as it was late (at most stallGraceMax), which gives the
//     receive goroutine a turn; if no ACK comes, it fires then.
//
// Neither is a congestion signal and neither counts as a retransmission;
// the delay they add is bounded by one batch or by stallGraceMax.

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

// stallGrace returns how long to postpone a loss-recovery timer due at
// due (0: not due) that fires at now, given whether it was postponed
// already: 0 means act now.
func stallGrace(now, due time.Duration, graced bool) time.Duration {
	if due == 0 || graced {
		return 0
	}
	late := now - due
	if late <= stallLate {
		return 0
	}
	return min(late, stallGraceMax)
}
