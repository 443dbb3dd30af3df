package appliance

import (
	"sync"

	"github.com/tcpbox/tcpbox/services/svc"
)

// serviceCounters keeps, by service name, what earlier runs of each
// service counted. A config change re-creates a service (a port or limit
// change) or the whole instance (a link or address change), each time
// with new counters; adding the old ones keeps what the admin page and
// /metrics show growing only, as Prometheus counters must while the
// program runs. The box owns one for its lifetime.
type serviceCounters struct {
	mu   sync.Mutex
	past map[string][]svc.Snapshot // one per protocol, TCP first
}

func newServiceCounters() *serviceCounters {
	return &serviceCounters{past: map[string][]svc.Snapshot{}}
}

// sum adds b to a index by index.
func sum(a, b []svc.Snapshot) []svc.Snapshot {
	out := append([]svc.Snapshot(nil), a...)
	for i, s := range b {
		if i < len(out) {
			out[i] = out[i].Add(s)
		} else {
			out = append(out, s)
		}
	}
	return out
}

func snapshots(stats []*svc.Stats) []svc.Snapshot {
	out := make([]svc.Snapshot, len(stats))
	for i, st := range stats {
		out[i] = st.Snapshot()
	}
	return out
}

// keep adds the counters of a stopped service, whose connections have
// all ended, to those of its earlier runs.
func (sc *serviceCounters) keep(name string, stats []*svc.Stats) {
	snaps := snapshots(stats)
	for i := range snaps {
		snaps[i].Active = 0
	}
	sc.mu.Lock()
	sc.past[name] = sum(sc.past[name], snaps)
	sc.mu.Unlock()
}

// total returns a service's counters since the program started: those of
// its earlier runs plus live, the running one's (nil when not running).
func (sc *serviceCounters) total(name string, live []*svc.Stats) []svc.Snapshot {
	sc.mu.Lock()
	past := sc.past[name]
	sc.mu.Unlock()
	return sum(past, snapshots(live))
}
