package tcp

import "time"

// RetransmitDue returns the deadline of the earliest loss-recovery timer
// that has expired by now -- the retransmission timer (RFC 6298 §5), the
// tail loss probe (RFC 8985 §7.3) or RACK's reordering timer (RFC 8985
// §6.3) -- or 0 when none has. Each of them acts on the absence of an
// ACK, so the stack's loop asks before letting one fire: an ACK already
// received but not yet handed to Input would make the retransmission
// spurious.
func (c *Conn) RetransmitDue(now time.Duration) time.Duration {
	var d time.Duration
	for _, t := range [...]time.Duration{c.rtoAt, c.tlpAt, c.sb.rack.timerAt} {
		if t != 0 && t <= now && (d == 0 || t < d) {
			d = t
		}
	}
	return d
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
