package tcp

import (
	"testing"

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
