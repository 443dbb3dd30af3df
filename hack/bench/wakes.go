package main

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/exp/trace"
)

// wakesMain reads a Go execution trace of a server (BENCH_TRACE) and
// prints, for the goroutines that carry tcpbox's traffic, where their
// time went (running, runnable, in system calls, waiting and why) and,
// each time one was made runnable, how long it took to run: grouped by
// the goroutine that made it runnable and by whether it then ran on that
// goroutine's P or on another. Round eleven of docs/performance.md found
// with it that a goroutine woken onto an idle P waited about 100 us.
//
//	bench wakes FILE
func wakesMain(args []string) {
	if len(args) != 1 {
		fatalf("usage: bench wakes TRACEFILE")
	}
	f, err := os.Open(args[0])
	if err != nil {
		fatalf("%v", err)
	}
	defer f.Close()
	rep, err := readWakes(f)
	if err != nil {
		fatalf("%s: %v", args[0], err)
	}
	rep.print(os.Stdout)
}

// roles names goroutines by a function on their stack.
var roles = []struct{ fn, role string }{
	{"stack.(*Stack).rxLoop", "receive"},
	{"stack.(*Stack).txWorker", "txWorker"},
	{"stack.(*Stack).runTimers", "timers"},
	{"main.sink", "app-reader"},
	{"main.source", "app-writer"},
	{"main.framedEcho", "app-echo"},
}

func roleOf(st trace.Stack) string {
	for fr := range st.Frames() {
		// In a test binary package main goes by its import path.
		fn := strings.Replace(fr.Func, "github.com/tcpbox/tcpbox/hack/bench.", "main.", 1)
		for _, r := range roles {
			if strings.HasSuffix(fn, r.fn) {
				return r.role
			}
		}
	}
	return ""
}

type wakeKey struct{ role, by, where string }

type wakeReport struct {
	span  time.Duration
	state map[string]map[string]time.Duration // role -> state (and reason) -> time
	waits map[wakeKey][]time.Duration
}

type goInfo struct {
	role     string
	state    string
	since    trace.Time
	runnable trace.Time // when it was made runnable
	by       string     // the role of the goroutine that made it runnable
	byProc   trace.ProcID
}

func readWakes(r io.Reader) (*wakeReport, error) {
	tr, err := trace.NewReader(r)
	if err != nil {
		return nil, err
	}
	rep := &wakeReport{state: map[string]map[string]time.Duration{}, waits: map[wakeKey][]time.Duration{}}
	gs := map[trace.GoID]*goInfo{}
	get := func(id trace.GoID) *goInfo {
		g := gs[id]
		if g == nil {
			g = &goInfo{}
			gs[id] = g
		}
		return g
	}
	var first, last trace.Time
	for {
		ev, err := tr.ReadEvent()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if first == 0 {
			first = ev.Time()
		}
		last = ev.Time()
		// Name the executing goroutine by the stack it runs on.
		if cur := ev.Goroutine(); cur != trace.NoGoroutine {
			if g := get(cur); g.role == "" {
				g.role = roleOf(ev.Stack())
			}
		}
		if ev.Kind() != trace.EventStateTransition {
			continue
		}
		st := ev.StateTransition()
		if st.Resource.Kind != trace.ResourceGoroutine {
			continue
		}
		g := get(st.Resource.Goroutine())
		if g.role == "" {
			g.role = roleOf(st.Stack)
		}
		from, to := st.Goroutine()
		now := ev.Time()
		if g.state != "" && g.role != "" {
			m := rep.state[g.role]
			if m == nil {
				m = map[string]time.Duration{}
				rep.state[g.role] = m
			}
			m[g.state] += now.Sub(g.since)
		}
		g.state, g.since = to.String(), now
		if to == trace.GoWaiting || (to == trace.GoRunnable && st.Reason != "") {
			g.state += " (" + st.Reason + ")"
		}
		switch {
		case to == trace.GoRunnable && from == trace.GoWaiting:
			g.runnable, g.byProc = now, ev.Proc()
			g.by = "none"
			if cur := ev.Goroutine(); cur != trace.NoGoroutine {
				if g.by = get(cur).role; g.by == "" {
					g.by = "other"
				}
			}
		case from == trace.GoRunnable && to == trace.GoRunning && g.runnable != 0:
			where := "other P"
			if ev.Proc() == g.byProc {
				where = "same P"
			}
			if g.role != "" {
				k := wakeKey{g.role, g.by, where}
				rep.waits[k] = append(rep.waits[k], now.Sub(g.runnable))
			}
			g.runnable = 0
		}
	}
	rep.span = last.Sub(first)
	return rep, nil
}

func (rep *wakeReport) print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "trace of %v\n\nwhere each goroutine's time went:\n", rep.span.Round(time.Millisecond))
	fmt.Fprintln(tw, "goroutine\tstate\tshare\t")
	for _, role := range slices.Sorted(maps.Keys(rep.state)) {
		m := rep.state[role]
		var total time.Duration
		for _, d := range m {
			total += d
		}
		states := slices.Sorted(maps.Keys(m))
		slices.SortStableFunc(states, func(a, b string) int { return cmp.Compare(m[b], m[a]) })
		for _, s := range states {
			if share := float64(m[s]) / float64(total); share >= 0.005 {
				fmt.Fprintf(tw, "%s\t%s\t%.1f%%\t\n", role, s, 100*share)
			}
		}
	}
	tw.Flush()
	fmt.Fprintln(w, "\nfrom made runnable to running:")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "goroutine\tmade runnable by\tran on\tcount\tp50\tp90\tmean\t")
	keys := slices.SortedFunc(maps.Keys(rep.waits), func(a, b wakeKey) int {
		return cmp.Or(strings.Compare(a.role, b.role), strings.Compare(a.by, b.by), strings.Compare(a.where, b.where))
	})
	for _, k := range keys {
		v := rep.waits[k]
		slices.Sort(v)
		var sum time.Duration
		for _, d := range v {
			sum += d
		}
		us := func(d time.Duration) string { return fmt.Sprintf("%.1fus", float64(d)/1e3) }
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\t\n", k.role, k.by, k.where, len(v), us(v[len(v)/2]), us(v[len(v)*9/10]), us(sum/time.Duration(len(v))))
	}
	tw.Flush()
}
