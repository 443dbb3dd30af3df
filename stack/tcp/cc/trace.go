package cc

import "time"

// TracePoint is one sample of a connection's congestion state, taken by
// the sender per ACK and per event, for the admin page's plots and tests.
type TracePoint struct {
	At           time.Duration // the stack's clock
	Cwnd         int
	Ssthresh     int
	InFlight     int
	SRTT         time.Duration
	DeliveryRate uint64 // bytes per second, 0 if no sample
	PacingRate   uint64
	Event        Event  // EventInvalid for a plain ACK
	Phase        string // PhaseOf the algorithm (a constant string: no allocation)
}

// PointOf samples the sender's state now.
func PointOf(now time.Duration, s *Sender, a Algorithm, rate RateSample, ev Event) TracePoint {
	return TracePoint{
		At: now, Cwnd: s.Cwnd, Ssthresh: s.Ssthresh, InFlight: s.InFlight, SRTT: s.SRTT,
		DeliveryRate: rate.Rate(), PacingRate: s.PacingRate, Event: ev, Phase: PhaseOf(a, s),
	}
}

// Trace is a bounded ring of the most recent TracePoints: its memory is
// fixed when it is made and Record never allocates. Not safe for
// concurrent use; the sender records and snapshots under its connection
// lock.
type Trace struct {
	buf  []TracePoint
	next int
	full bool
}

// NewTrace returns a ring that keeps the last n points (at least 1).
func NewTrace(n int) *Trace {
	return &Trace{buf: make([]TracePoint, max(n, 1))}
}

// Record adds a point, dropping the oldest when the ring is full.
func (t *Trace) Record(p TracePoint) {
	t.buf[t.next] = p
	t.next++
	if t.next == len(t.buf) {
		t.next = 0
		t.full = true
	}
}

// Len returns the number of points held.
func (t *Trace) Len() int {
	if t.full {
		return len(t.buf)
	}
	return t.next
}

// Snapshot appends the points held to dst, oldest first.
func (t *Trace) Snapshot(dst []TracePoint) []TracePoint {
	if t.full {
		dst = append(dst, t.buf[t.next:]...)
	}
	return append(dst, t.buf[:t.next]...)
}
