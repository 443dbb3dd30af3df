package cc

import "time"

// History is a connection's coarse congestion history: one HistoryPoint
// per interval of the stack's clock, from the first point recorded to the
// last, so the admin page can plot a whole transfer (slow start, losses,
// recovery) beside the per-ACK ring that holds only its last moments.
//
// Bounds: at most HistoryPoints points. When they are all used, each two
// neighbouring intervals merge into one of twice the length (the first
// HistoryPoints intervals of 100 ms, then 200 ms, ...), so the history
// always covers the connection's whole life at the finest resolution that
// fits. A merge keeps the later interval's last values, the smaller
// minimum and the larger maximum of cwnd and every event of both, so a
// loss is never lost by decimation.
//
// Memory grows by doubling as intervals pass and stays at most
// HistoryPoints*48 bytes; once at the bound, Record never allocates. Not
// safe for concurrent use (the sender records and snapshots under its
// connection lock).
type History struct {
	pts      []HistoryPoint
	origin   time.Duration // start of the first interval
	end      time.Duration // end of the newest interval
	interval time.Duration
	max      int
}

// HistoryPoint sums up one interval of a connection's History.
type HistoryPoint struct {
	At        time.Duration // the interval's start on the stack's clock
	SRTT      time.Duration // at the interval's last sample
	Delivered int64         // the connection's bytes delivered so far, at the interval's last sample
	Cwnd      int32         // at the interval's last sample
	CwndMin   int32         // the smallest cwnd sampled in the interval
	CwndMax   int32         // the largest
	Ssthresh  int32         // at the interval's last sample
	InFlight  int32         // at the interval's last sample
	Events    EventSet      // the events within the interval
}

// EventSet is a set of Events, one bit each.
type EventSet uint16

// Has reports whether ev is in the set.
func (s EventSet) Has(ev Event) bool { return ev != EventInvalid && s&(1<<ev) != 0 }

// Events appends the events of the set to dst, in Event order.
func (s EventSet) Events(dst []Event) []Event {
	for ev := Event(1); int(ev) < len(eventNames); ev++ {
		if s.Has(ev) {
			dst = append(dst, ev)
		}
	}
	return dst
}

func (s EventSet) with(ev Event) EventSet {
	if ev == EventInvalid || int(ev) >= 16 {
		return s
	}
	return s | 1<<ev
}

const (
	// HistoryInterval is a History's finest interval.
	HistoryInterval = 100 * time.Millisecond
	// HistoryPoints bounds a History: 48 KiB, 102.4 s at 100 ms.
	HistoryPoints = 1024
	historyStart  = 16 // the first allocation: a short connection stays small
)

// NewHistory returns an empty history of at most n points (at least 2)
// whose finest interval is interval (at least 1 ms). It allocates its
// points only when the first one is recorded.
func NewHistory(n int, interval time.Duration) *History {
	return &History{interval: max(interval, time.Millisecond), max: max(n, 2)}
}

// Record adds a sample to the interval it falls in. A sample older than
// the newest interval counts in the newest (the clock does not go back;
// this only guards against a caller's mistake).
func (h *History) Record(p TracePoint) {
	if len(h.pts) == 0 {
		if h.pts == nil {
			h.pts = make([]HistoryPoint, 0, min(historyStart, h.max))
		}
		h.origin = p.At
	}
	// The common case, without a division: within the newest interval.
	if n := len(h.pts); n > 0 && p.At < h.end {
		h.pts[n-1].add(&p)
		return
	}
	for len(h.pts) == h.max {
		h.merge()
		if p.At < h.end {
			h.pts[len(h.pts)-1].add(&p)
			return
		}
	}
	k := h.index(p.At)
	if len(h.pts) == cap(h.pts) {
		nb := make([]HistoryPoint, len(h.pts), min(2*cap(h.pts), h.max))
		copy(nb, h.pts)
		h.pts = nb
	}
	c := clamp32(p.Cwnd)
	at := h.origin + time.Duration(k)*h.interval
	h.pts = append(h.pts, HistoryPoint{At: at, CwndMin: c, CwndMax: c})
	h.end = at + h.interval
	h.pts[len(h.pts)-1].add(&p)
}

// index is the number of the interval that t falls in.
func (h *History) index(t time.Duration) int64 {
	if t < h.origin {
		return 0
	}
	return int64((t - h.origin) / h.interval)
}

// add folds a sample into the interval.
func (hp *HistoryPoint) add(p *TracePoint) {
	c := clamp32(p.Cwnd)
	hp.Cwnd, hp.CwndMin, hp.CwndMax = c, min(hp.CwndMin, c), max(hp.CwndMax, c)
	hp.Ssthresh, hp.InFlight, hp.SRTT = clamp32(p.Ssthresh), clamp32(p.InFlight), p.SRTT
	hp.Delivered = max(hp.Delivered, p.Delivered)
	hp.Events = hp.Events.with(p.Event)
}

// merge doubles the interval and folds the points that now share one.
// Points are in order, so those sharing an interval are neighbours. With
// gaps (an idle connection records nothing) one doubling may merge
// nothing; Record repeats it until room is made.
func (h *History) merge() {
	h.interval *= 2
	w := 0
	for r := range h.pts {
		p := h.pts[r]
		p.At = h.origin + time.Duration(h.index(p.At))*h.interval
		if w > 0 && h.pts[w-1].At == p.At {
			q := &h.pts[w-1]
			q.Cwnd, q.Ssthresh, q.InFlight, q.SRTT = p.Cwnd, p.Ssthresh, p.InFlight, p.SRTT
			q.CwndMin, q.CwndMax = min(q.CwndMin, p.CwndMin), max(q.CwndMax, p.CwndMax)
			q.Delivered = max(q.Delivered, p.Delivered)
			q.Events |= p.Events
			continue
		}
		h.pts[w] = p
		w++
	}
	h.pts = h.pts[:w]
	h.end = h.pts[w-1].At + h.interval
}

// Interval returns the current length of each point's interval.
func (h *History) Interval() time.Duration { return h.interval }

// Len returns the number of points held.
func (h *History) Len() int { return len(h.pts) }

// Snapshot appends the points, oldest first, to dst.
func (h *History) Snapshot(dst []HistoryPoint) []HistoryPoint { return append(dst, h.pts...) }

func clamp32(v int) int32 { return int32(min(max(v, -1<<31), 1<<31-1)) }
