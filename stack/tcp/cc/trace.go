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
	max  int
	next int
	full bool
}

// traceStart is the ring's first allocation: an idle connection keeps a
// trace of a few hundred bytes, and only a busy one grows to the bound.
const traceStart = 8

// NewTrace returns a ring that keeps the last n points (at least 1). Its
// memory grows by doubling up to n points as points arrive, then stays
// fixed: in steady state Record never allocates.
func NewTrace(n int) *Trace {
	n = max(n, 1)
	return &Trace{buf: make([]TracePoint, 0, min(n, traceStart)), max: n}
}

// Record adds a point, dropping the oldest when the ring is full.
func (t *Trace) Record(p TracePoint) {
	if !t.full && len(t.buf) < t.max {
		if len(t.buf) == cap(t.buf) {
			nb := make([]TracePoint, len(t.buf), min(2*cap(t.buf), t.max))
			copy(nb, t.buf)
			t.buf = nb
		}
		t.buf = append(t.buf, p)
		t.next = len(t.buf) % t.max
		t.full = len(t.buf) == t.max
		return
	}
	t.buf[t.next] = p
	t.next++
	if t.next == len(t.buf) {
		t.next = 0
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
