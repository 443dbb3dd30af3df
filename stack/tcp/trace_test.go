package tcp

import (
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/stack/tcp/cc"
)

// TestTraceSteadyStateZeroAllocs: a connection keeping a trace and its
// history moves data without allocating once both have grown to their
// bounds (the history after cc.HistoryPoints intervals; past that it
// merges in place), and the history covers the whole transfer.
func TestTraceSteadyStateZeroAllocs(t *testing.T) {
	cfg := DefaultConfig()
	cfg.TracePoints = 256
	w := newWire(t, cfg)
	start := w.now
	// Each round takes 40.1 ms of the manual clock: 2,600 rounds are
	// 104 s, past the 102.4 s that fill the history at 100 ms.
	for range 2600 {
		w.round()
	}
	pts, iv, opened := w.a.History(nil)
	if len(pts) < cc.HistoryPoints/2 || iv != 2*cc.HistoryInterval || opened > start || pts[0].At > start+iv {
		t.Fatalf("history of %d points of %v from %v (opened %v)", len(pts), iv, pts[0].At, opened)
	}
	if a := testing.AllocsPerRun(100, w.round); a != 0 {
		t.Fatalf("%.1f allocations per round, want 0", a)
	}
	if p := pts[len(pts)-1]; p.Delivered < 2599*int64(len(w.chunk)) { // the last round's tail may await its ACK
		t.Fatalf("newest point delivered %d bytes of the %d sent", p.Delivered, 2600*len(w.chunk))
	}
}

// TestHistoryRecordsRecovery: the history is empty until data is
// acknowledged; a loss episode's events land in the intervals where they
// happened, and the history outlives the small ring.
func TestHistoryRecordsRecovery(t *testing.T) {
	cfg := recoveryConfig()
	cfg.TracePoints = 4
	h := newHarness(t, cfg)
	h.establishSACK()
	if pts, iv, opened := h.c.History(nil); len(pts) != 0 || iv != 0 || opened > h.now {
		t.Fatalf("history before any data: %d points of %v, opened %v", len(pts), iv, opened)
	}
	h.sendSegs(10)
	h.now += 150 * time.Millisecond
	lossAt := h.now
	h.ackSACK(0, [2]int{1000, 2000})
	h.ackSACK(0, [2]int{1000, 3000})
	h.ackSACK(0, [2]int{1000, 4000}) // the third SACKed segment: segment 0 is lost (RFC 6675 §5)
	h.outData(0)
	h.now += 300 * time.Millisecond
	exitAt := h.now
	h.ackSACK(10000)
	pts, iv, _ := h.c.History(nil)
	if iv != cc.HistoryInterval || len(pts) != 2 {
		t.Fatalf("%d points of %v: %+v", len(pts), iv, pts)
	}
	in := func(p cc.HistoryPoint, at time.Duration) bool { return p.At <= at && at < p.At+iv }
	if !in(pts[0], lossAt) || !pts[0].Events.Has(cc.EventFastRecovery) || pts[0].Events.Has(cc.EventRecoveryExit) {
		t.Errorf("loss at %v: interval %+v", lossAt, pts[0])
	}
	if !in(pts[1], exitAt) || !pts[1].Events.Has(cc.EventRecoveryExit) || pts[1].Delivered != 10000 {
		t.Errorf("recovery left at %v with 10000 B delivered: interval %+v", exitAt, pts[1])
	}
	if pts[0].CwndMin > pts[0].CwndMax || pts[1].Cwnd != int32(h.c.Info(h.now).Cwnd) {
		t.Errorf("cwnd %+v, now %d", pts, h.c.Info(h.now).Cwnd)
	}
}
