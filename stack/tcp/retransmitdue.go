package tcp

import "time"

// RetransmitDue returns the deadline of the earliest loss-recovery timer
// that has expired by now -- the retransmission timer (RFC 6298 §5), the
// tail loss probe (RFC 8985 §7.3) or RACK's reordering timer (RFC 8985
// §6.3) -- or 0 when none has. Each of them acts on the absence of an
// ACK, so the stack's loop asks before letting one fire: an ACK already
// received but not yet handed to Input would make the retransmission
// spurious.
//
// A timer held by HoldLossTimers is not due before the hold ends; then
// its own deadline is returned.
func (c *Conn) RetransmitDue(now time.Duration) time.Duration {
	var d time.Duration
	for _, t := range [...]time.Duration{c.rtoAt, c.tlpAt, c.sb.rack.timerAt} {
		if t != 0 && c.lossDeadline(t) <= now && (d == 0 || t < d) {
			d = t
		}
	}
	return d
}

// lossHold is HoldLossTimers': the loss-recovery deadlines at or before
// from are held until until.
type lossHold struct{ from, until time.Duration }

// HoldLossTimers keeps the loss-recovery timers (the retransmission
// timer, the tail loss probe, RACK's reordering timer) that have expired
// by now from acting before until, whoever calls Output meanwhile: the
// stack holds them while an ACK may wait unread on its link, and a
// segment of the same connection read first must not set them off. A
// timer re-armed meanwhile (an ACK restarted it) runs from its new
// deadline, which is later than now. until 0 ends the hold.
func (c *Conn) HoldLossTimers(now, until time.Duration) {
	if until == 0 {
		c.hold = lossHold{}
		return
	}
	c.hold = lossHold{from: now, until: until}
}

// lossDeadline is when a loss-recovery timer armed at at acts: at, or
// the end of the hold.
func (c *Conn) lossDeadline(at time.Duration) time.Duration {
	if at != 0 && at <= c.hold.from && at < c.hold.until {
		return c.hold.until
	}
	return at
}

// Delayed tells the connection that the segments its last Output
// emitted left d after the now that Output was given (the stack's
// goroutine was off the CPU before they reached the link). The
// retransmission timer and the probe timeout run from when a segment is
// sent (RFC 6298 §5.1, RFC 8985 §7.2), so both move by d; otherwise a
// probe could go out right behind the data it probes for.
func (c *Conn) Delayed(d time.Duration) {
	if d <= 0 {
		return
	}
	if c.rtoAt != 0 {
		c.rtoAt += d
	}
	if c.tlpAt != 0 {
		c.tlpAt += d
	}
}
