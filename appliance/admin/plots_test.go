package admin

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestHistoryPlots: the history plots span the connection from 0 to its
// age, draw cwnd's band of extremes, mark every event of every interval
// where it happened, and shade the span the per-ACK detail covers.
func TestHistoryPlots(t *testing.T) {
	ct := &ConnTrace{Age: 60 * time.Second, Interval: 200 * time.Millisecond}
	for i := range 290 {
		p := HistoryPoint{At: time.Duration(i) * ct.Interval, Cwnd: 1000 * (i%50 + 1), CwndMin: 500, CwndMax: 60000,
			Ssthresh: 30000, InFlight: 900, SRTT: 20 * time.Millisecond, Throughput: 1e8}
		switch i {
		case 100:
			p.Events = []string{"fast_recovery"}
		case 101:
			p.Events = []string{"recovery_exit", "rto"}
		}
		ct.History = append(ct.History, p)
	}
	ct.Detail = []TracePoint{{At: 57 * time.Second, Cwnd: 5000}, {At: 58 * time.Second, Cwnd: 6000, Event: "rto"}}
	plots := tracePlots(ct)
	w := string(plots["history_window"])
	labels := regexp.MustCompile(`class="xlab"[^>]*>([^<]+)<`).FindAllStringSubmatch(w, -1)
	if len(labels) != 7 || labels[0][1] != "0s" || labels[1][1] != "10s" || labels[6][1] != "60s" {
		t.Errorf("history x labels %q, want 0s, 10s … 60s", labels)
	}
	if !strings.Contains(w, `<polygon class="band" data-series="cwnd (band: min–max)"`) {
		t.Error("no cwnd band")
	}
	if !strings.Contains(w, `class="shade"`) {
		t.Error("the detail's span is not shaded")
	}
	for _, p := range []string{"history_window", "history_rtt", "history_rate"} {
		evs := regexp.MustCompile(`data-event="([a-z_]+)" x1="([0-9.]+)"`).FindAllStringSubmatch(string(plots[p]), -1)
		if len(evs) != 3 || evs[0][1] != "fast_recovery" || evs[1][1] != "recovery_exit" || evs[2][1] != "rto" || evs[0][2] == evs[1][2] || evs[1][2] != evs[2][2] {
			t.Errorf("%s: event markers %q, want loss at 20.1 s, recovery left and RTO at 20.3 s", p, evs)
		}
	}
	if !strings.Contains(w, "loss detected: recovery entered between 20.0s and 20.2s") {
		t.Error("the loss marker does not say when")
	}
	if !strings.Contains(string(plots["rate"]), "no samples yet") || strings.Count(string(plots["window"]), `data-event="rto"`) != 1 {
		t.Error("detail plots: rate should be empty (no rate samples), window should mark the RTO")
	}
	empty := tracePlots(&ConnTrace{})
	for k, v := range empty {
		if !strings.Contains(string(v), "no samples yet") {
			t.Errorf("%s plot of no trace: %s", k, v)
		}
	}
	if len(empty) != 6 {
		t.Errorf("%d plots, want 6", len(empty))
	}
}

// TestEventBurst: a burst of the same event a few pixels wide draws a few
// lines, not one per ACK; a different event at the same time still shows.
func TestEventBurst(t *testing.T) {
	ct := &ConnTrace{}
	for i := range 400 {
		p := TracePoint{At: time.Duration(i) * time.Millisecond, Cwnd: 1000}
		if i >= 200 && i < 225 {
			p.Event = "fast_recovery"
		}
		ct.Detail = append(ct.Detail, p)
	}
	ct.Detail[210].Event = "rto"
	w := string(tracePlots(ct)["window"])
	// 25 ms of 400 ms across 570 pixels: about 36 pixels, so at most 13 lines.
	if n := strings.Count(w, `data-event="fast_recovery"`); n < 5 || n > 13 {
		t.Errorf("%d markers for a burst of 24", n)
	}
	if strings.Count(w, `data-event="rto"`) != 1 {
		t.Error("the RTO within the burst is not marked")
	}
}
