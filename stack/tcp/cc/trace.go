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
	Delivered    int64  // the connection's bytes delivered (acknowledged or SACKed) so far
	Event        Event  // EventInvalid for a plain ACK
	Phase        string // PhaseOf the algorithm (a constant string: no allocation)
}

// PointOf samples the sender's state now.
func PointOf(now time.Duration, s *Sender, a Algorithm, rate RateSample, ev Event) TracePoint {
	return TracePoint{
		At: now, Cwnd: s.Cwnd, Ssthresh: s.Ssthresh, InFlight: s.InFlight, SRTT: s.SRTT,
		DeliveryRate: rate.Rate(), PacingRate: s.PacingRate, Delivered: rate.DeliveredTotal, Event: ev, Phase: PhaseOf(a, s),
	}
}

// Trace is a bounded ring of the most recent TracePoints, the fine detail
// of a connection's last moments, and beside it the coarse History of
// its whole life. Its memory is bounded when it is made, and neither
// allocates before the first point: an idle connection's trace is this
// struct alone. Once grown to their bounds, Record never allocates. Not
// safe for concurrent use; the sender records and snapshots under its
// connection lock.
type Trace struct {
	buf  []TracePoint
	max  int
	next int
	full bool
	hist *History // nil until the first point
}

// traceStart is the ring's first allocation: a connection that has sent
// a little keeps a trace of a few hundred bytes, and only a busy one grows
// to the bound.
const traceStart = 8

// NewTrace returns a ring that keeps the last n points (at least 1), and
// a History of HistoryPoints intervals of HistoryInterval. Its memory
// grows by doubling up to n points as points arrive, then stays fixed: in
// steady state Record never allocates.
func NewTrace(n int) *Trace {
	return &Trace{max: max(n, 1)}
}

// Record adds a point, dropping the oldest when the ring is full, and
// folds it into the history.
func (t *Trace) Record(p TracePoint) {
	if t.hist == nil {
		t.hist = NewHistory(HistoryPoints, HistoryInterval)
	}
	t.hist.Record(p)
	t.recordRing(p)
}

// recordRing adds a point to the ring alone.
func (t *Trace) recordRing(p TracePoint) {
	if !t.full && len(t.buf) < t.max {
		if len(t.buf) == cap(t.buf) {
			nb := make([]TracePoint, len(t.buf), min(max(2*cap(t.buf), traceStart), t.max))
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

// History appends the history's points, oldest first, to dst, and
// returns the length of their intervals (0 before the first point).
func (t *Trace) History(dst []HistoryPoint) ([]HistoryPoint, time.Duration) {
	if t.hist == nil {
		return dst, 0
	}
	return t.hist.Snapshot(dst), t.hist.Interval()
}
