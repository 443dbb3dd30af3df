package cc

import (
	"testing"
	"time"
	"unsafe"
)

// TestHistoryIntervals: samples fold into 100 ms intervals on a grid from
// the first sample, each keeping its last values, its cwnd extremes, its
// events and the delivered count; an idle gap leaves no points.
func TestHistoryIntervals(t *testing.T) {
	h := NewHistory(8, 100*time.Millisecond)
	if h.Len() != 0 || h.pts != nil {
		t.Fatal("a new history must hold and allocate nothing")
	}
	base := 5 * time.Second
	rec := func(ms, cwnd int, ev Event) {
		h.Record(TracePoint{At: base + time.Duration(ms)*time.Millisecond, Cwnd: cwnd, Ssthresh: cwnd / 2,
			InFlight: cwnd - 1, SRTT: time.Duration(ms), Delivered: int64(ms), Event: ev})
	}
	rec(0, 10, EventInvalid)
	rec(50, 30, EventInvalid)
	rec(99, 20, EventFastRecovery)
	rec(100, 5, EventInvalid)
	rec(740, 7, EventRTO)    // after an idle gap
	rec(20, 9, EventInvalid) // older than the newest interval: counts in it
	got := h.Snapshot(nil)
	want := []HistoryPoint{
		{At: base, Cwnd: 20, CwndMin: 10, CwndMax: 30, Ssthresh: 10, InFlight: 19, SRTT: 99, Delivered: 99, Events: EventSet(0).with(EventFastRecovery)},
		{At: base + 100*time.Millisecond, Cwnd: 5, CwndMin: 5, CwndMax: 5, Ssthresh: 2, InFlight: 4, SRTT: 100, Delivered: 100},
		{At: base + 700*time.Millisecond, Cwnd: 9, CwndMin: 7, CwndMax: 9, Ssthresh: 4, InFlight: 8, SRTT: 20, Delivered: 740, Events: EventSet(0).with(EventRTO)},
	}
	if len(got) != len(want) {
		t.Fatalf("%d points, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("point %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
	if h.Interval() != 100*time.Millisecond {
		t.Errorf("interval %v", h.Interval())
	}
}

// TestHistoryBoundedKeepsExtremesAndEvents: an hour of samples every
// 10 ms into a 64-point history stays within 64 points covering the whole
// hour; the one sample with a tiny cwnd, the largest cwnd and each single
// event survive every merge, in the interval that holds their time.
func TestHistoryBoundedKeepsExtremesAndEvents(t *testing.T) {
	const n = 64
	h := NewHistory(n, 100*time.Millisecond)
	type mark struct {
		at   time.Duration
		cwnd int
		ev   Event
	}
	marks := []mark{{12*time.Minute + 30*time.Millisecond, 1, EventFastRecovery}, {31 * time.Minute, 1 << 20, EventRTO}, {59*time.Minute + 10*time.Millisecond, 100, EventUndo},
		{49*time.Minute + 10*time.Second, 2, EventECE}} // in the later of two 51.2 s intervals at the last merge
	step, end := 10*time.Millisecond, time.Hour
	var last TracePoint
	for at := time.Duration(0); at < end; at += step {
		p := TracePoint{At: at, Cwnd: 1000 + int(at/time.Second)%50, Delivered: int64(at / step)}
		for _, m := range marks {
			if m.at == at {
				p.Cwnd, p.Event = m.cwnd, m.ev
			}
		}
		h.Record(p)
		last = p
		if h.Len() > n || cap(h.pts) > n {
			t.Fatalf("at %v: %d points, room for %d, bound %d", at, h.Len(), cap(h.pts), n)
		}
	}
	pts := h.Snapshot(nil)
	iv := h.Interval()
	if pts[0].At != 0 || pts[len(pts)-1].At+iv < last.At || iv < end/n {
		t.Fatalf("history covers %v..%v in %v steps; want all of 0..%v", pts[0].At, pts[len(pts)-1].At+iv, iv, last.At)
	}
	if len(pts) < n/2 {
		t.Errorf("only %d of %d points used", len(pts), n)
	}
	if p := pts[len(pts)-1]; p.Cwnd != int32(last.Cwnd) || p.Delivered != last.Delivered {
		t.Errorf("newest point %+v does not hold the last sample %+v", p, last)
	}
	for _, m := range marks {
		found := false
		for _, p := range pts {
			if p.At <= m.at && m.at < p.At+iv {
				found = true
				if !p.Events.Has(m.ev) || (p.CwndMin != int32(m.cwnd) && p.CwndMax != int32(m.cwnd)) {
					t.Errorf("interval %v+%v lost the %v with cwnd %d: %+v", p.At, iv, m.ev, m.cwnd, p)
				}
			}
		}
		if !found {
			t.Errorf("no interval holds %v", m.at)
		}
	}
	for i := 1; i < len(pts); i++ {
		if pts[i].At <= pts[i-1].At || pts[i].Delivered < pts[i-1].Delivered {
			t.Fatalf("points %d and %d out of order: %+v %+v", i-1, i, pts[i-1], pts[i])
		}
	}
}

// TestHistoryMergeKeepsLaterExtremes: a merge folds the later interval
// into the earlier one, keeping its last values, its events and its
// extremes.
func TestHistoryMergeKeepsLaterExtremes(t *testing.T) {
	h := NewHistory(2, 100*time.Millisecond)
	h.Record(TracePoint{At: 0, Cwnd: 10, Delivered: 1})
	h.Record(TracePoint{At: 150 * time.Millisecond, Cwnd: 1, Event: EventRTO, Delivered: 2})
	h.Record(TracePoint{At: 160 * time.Millisecond, Cwnd: 90, Delivered: 3})
	h.Record(TracePoint{At: 170 * time.Millisecond, Cwnd: 5, Delivered: 4})
	h.Record(TracePoint{At: 250 * time.Millisecond, Cwnd: 7, Delivered: 5})
	got := h.Snapshot(nil)
	want := []HistoryPoint{
		{At: 0, Cwnd: 5, CwndMin: 1, CwndMax: 90, Delivered: 4, Events: EventSet(0).with(EventRTO)},
		{At: 200 * time.Millisecond, Cwnd: 7, CwndMin: 7, CwndMax: 7, Delivered: 5},
	}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] || h.Interval() != 200*time.Millisecond {
		t.Fatalf("after a merge (interval %v):\n got %+v\nwant %+v", h.Interval(), got, want)
	}
}

// TestHistorySparse: samples far apart (an idle connection that wakes
// now and then) still fit the bound: a merge that folds nothing is
// repeated until one does.
func TestHistorySparse(t *testing.T) {
	h := NewHistory(4, 100*time.Millisecond)
	for i := range 100 {
		h.Record(TracePoint{At: time.Duration(i) * time.Duration(i) * time.Second, Cwnd: i, Event: EventIdleRestart})
		if h.Len() > 4 {
			t.Fatalf("after %d samples: %d points", i+1, h.Len())
		}
	}
	pts := h.Snapshot(nil)
	if last := pts[len(pts)-1]; last.Cwnd != 99 || !last.Events.Has(EventIdleRestart) {
		t.Fatalf("newest point %+v", last)
	}
}

// TestHistoryMemory: the bound's memory, measured from the point's size,
// and no allocation per sample once the history is at its bound.
func TestHistoryMemory(t *testing.T) {
	size := int(unsafe.Sizeof(HistoryPoint{}))
	t.Logf("history point %d bytes, bound %d points: %d KiB per busy connection", size, HistoryPoints, size*HistoryPoints>>10)
	if size > 48 {
		t.Errorf("HistoryPoint is %d bytes; the bound's memory was planned at 48", size)
	}
	h := NewHistory(HistoryPoints, HistoryInterval)
	at := time.Duration(0)
	for h.Len() < HistoryPoints {
		at += HistoryInterval
		h.Record(TracePoint{At: at, Cwnd: 1})
	}
	if a := testing.AllocsPerRun(1000, func() {
		at += HistoryInterval / 3
		h.Record(TracePoint{At: at, Cwnd: 2, Event: EventRTO})
	}); a != 0 {
		t.Fatalf("Record allocates %v at its bound", a)
	}
}

func TestEventSet(t *testing.T) {
	s := EventSet(0).with(EventRTO).with(EventUndo).with(EventInvalid).with(Event(200))
	if got := s.Events(nil); len(got) != 2 || got[0] != EventRTO || got[1] != EventUndo {
		t.Fatalf("events %v", got)
	}
	if s.Has(EventInvalid) || s.Has(EventECE) || !s.Has(EventRTO) {
		t.Fatalf("set %b", s)
	}
}

// TestTraceKeepsHistory: a Trace feeds its history, which outlives the
// ring, and holds nothing before the first point.
func TestTraceKeepsHistory(t *testing.T) {
	tr := NewTrace(4)
	if pts, iv := tr.History(nil); pts != nil || iv != 0 || tr.buf != nil {
		t.Fatal("an unused trace must hold and allocate nothing")
	}
	for i := range 50 {
		tr.Record(TracePoint{At: time.Duration(i) * 50 * time.Millisecond, Cwnd: i})
	}
	pts, iv := tr.History(nil)
	if tr.Len() != 4 || len(pts) != 25 || iv != HistoryInterval || pts[0].CwndMin != 0 || pts[24].Cwnd != 49 {
		t.Fatalf("ring %d, history %d points of %v: %+v", tr.Len(), len(pts), iv, pts)
	}
}

// BenchmarkTraceRecord: the cost per ACK of the ring and the history at
// their bounds, one ACK every 10 µs (a Gbit/s of full segments).
func BenchmarkTraceRecord(b *testing.B) {
	for _, hist := range []bool{false, true} {
		name := "ring"
		if hist {
			name = "ring+history"
		}
		b.Run(name, func(b *testing.B) {
			tr := NewTrace(2048)
			at := time.Duration(0)
			p := TracePoint{Cwnd: 100000, Phase: "x"}
			for range 300000 { // both at their bounds
				at += 10 * time.Microsecond
				p.At = at
				tr.Record(p)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				at += 10 * time.Microsecond
				p.At, p.Delivered = at, int64(i)
				if hist {
					tr.Record(p)
				} else {
					tr.recordRing(p)
				}
			}
		})
	}
}
