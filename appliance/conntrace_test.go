package appliance

import (
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/stack"
	"github.com/tcpbox/tcpbox/stack/tcp/cc"
)

// TestAdminTrace: times count from the connection's opening, each
// interval's throughput is what was delivered within it per second (the
// running newest interval over the part passed), and events are named.
func TestAdminTrace(t *testing.T) {
	opened := 10 * time.Second
	iv := 200 * time.Millisecond
	d := stack.TCPTraceData{Opened: opened, Now: opened + 5*time.Second + 50*time.Millisecond, Interval: iv,
		Points: []cc.TracePoint{{At: opened + 5*time.Second, Cwnd: 7, Event: cc.EventRTO}},
		History: []cc.HistoryPoint{
			{At: opened + time.Second, Delivered: 2e6, Cwnd: 3, CwndMin: 1, CwndMax: 9},
			{At: opened + 3*time.Second, Delivered: 3e6, Events: cc.EventSet(1<<cc.EventFastRecovery | 1<<cc.EventRecoveryExit)},
			{At: opened + 5*time.Second, Delivered: 3.5e6},
		}}
	ct := adminTrace(&d)
	if ct.Age != 5050*time.Millisecond || ct.Interval != iv || len(ct.Detail) != 1 || ct.Detail[0].At != 5*time.Second || ct.Detail[0].Event != "rto" {
		t.Fatalf("%+v", ct)
	}
	h := ct.History
	if len(h) != 3 || h[0].At != time.Second || h[0].CwndMin != 1 || h[0].CwndMax != 9 {
		t.Fatalf("history %+v", h)
	}
	for i, want := range []uint64{10e6, 5e6, 10e6} {
		if h[i].Throughput != want {
			t.Errorf("interval %d: throughput %d B/s, want %d", i, h[i].Throughput, want)
		}
	}
	if len(h[1].Events) != 2 || h[1].Events[0] != "fast_recovery" || h[1].Events[1] != "recovery_exit" || h[0].Events != nil {
		t.Errorf("events %q %q", h[0].Events, h[1].Events)
	}
}
