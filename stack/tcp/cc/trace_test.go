package cc

import (
	"testing"
	"time"
)

func TestTraceRing(t *testing.T) {
	tr := NewTrace(4)
	if got := tr.Snapshot(nil); len(got) != 0 || tr.Len() != 0 {
		t.Fatalf("empty trace: %v", got)
	}
	for i := 1; i <= 10; i++ {
		tr.Record(TracePoint{At: time.Duration(i), Cwnd: i})
		n := min(i, 4)
		got := tr.Snapshot(nil)
		if len(got) != n || tr.Len() != n {
			t.Fatalf("after %d: %d points", i, len(got))
		}
		for j, p := range got {
			if want := i - n + 1 + j; p.Cwnd != want {
				t.Fatalf("after %d: point %d is %d, want %d (oldest first)", i, j, p.Cwnd, want)
			}
		}
	}
	if n := testing.AllocsPerRun(100, func() { tr.Record(TracePoint{Cwnd: 1}) }); n != 0 {
		t.Fatalf("Record allocates %v", n)
	}
	if NewTrace(0).Len() != 0 {
		t.Fatal("a zero-size trace must still work")
	}
	NewTrace(0).Record(TracePoint{})
}

func TestPointOf(t *testing.T) {
	c := &Cubic{}
	s := newSender(t, c)
	s.InFlight, s.SRTT, s.PacingRate = 5000, 20*time.Millisecond, 1e6
	p := PointOf(time.Second, s, c, RateSample{Valid: true, Delivered: 1e6, Interval: time.Second}, EventRTO)
	if p.At != time.Second || p.Cwnd != s.Cwnd || p.Ssthresh != s.Ssthresh || p.InFlight != 5000 ||
		p.SRTT != 20*time.Millisecond || p.DeliveryRate != 1e6 || p.PacingRate != 1e6 || p.Event != EventRTO || p.Phase != "slow_start" {
		t.Fatalf("%+v", p)
	}
}

// TestTraceGrowsThenWraps: a large ring starts small (an idle connection
// costs little), grows while points arrive, keeps exactly the last n once
// full, and then records without allocating.
func TestTraceGrowsThenWraps(t *testing.T) {
	const n = 100
	tr := NewTrace(n)
	if c := cap(tr.buf); c > traceStart {
		t.Fatalf("new trace holds room for %d points, want at most %d", c, traceStart)
	}
	for i := 0; i < 250; i++ {
		tr.Record(TracePoint{Cwnd: i})
		if want := min(i+1, n); tr.Len() != want {
			t.Fatalf("after %d points Len = %d, want %d", i+1, tr.Len(), want)
		}
	}
	got := tr.Snapshot(nil)
	for i, p := range got {
		if p.Cwnd != 150+i {
			t.Fatalf("point %d is %d, want %d (oldest first, last %d kept)", i, p.Cwnd, 150+i, n)
		}
	}
	if a := testing.AllocsPerRun(100, func() { tr.Record(TracePoint{Cwnd: 1}) }); a != 0 {
		t.Fatalf("Record on a full ring allocates %v times", a)
	}
}
