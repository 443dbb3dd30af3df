package appliance

import (
	"context"
	"sync"
	"time"

	"github.com/tcpbox/tcpbox/appliance/admin"
	"github.com/tcpbox/tcpbox/stack/tcp"
)

// traceSampler gives the admin page's connection plots their data until
// the stack keeps a per-ACK trace of each connection (issue 4): it samples
// tcp_info of the connections someone is looking at, every period, into a
// bounded ring per connection. It is coarser than a per-ACK trace (one
// point per period, no loss events) and says so in nothing else: the plot
// shows the points it has.
//
// Bounds: at most maxWatched connections at once, ringLen points each; a
// connection not asked for during forget, or gone, is dropped.
type traceSampler struct {
	conns  func() []tcp.Info
	period time.Duration
	forget time.Duration
	now    func() time.Time

	mu      sync.Mutex
	watched map[uint64]*sampled
}

type sampled struct {
	asked  time.Time
	points []admin.TracePoint // ring, oldest first once full
	next   int
	full   bool
}

const (
	maxWatched  = 16
	ringLen     = 1500 // five minutes at 200 ms
	tracePeriod = 200 * time.Millisecond
)

func newTraceSampler(conns func() []tcp.Info) *traceSampler {
	return &traceSampler{conns: conns, period: tracePeriod, forget: 30 * time.Second, now: time.Now, watched: map[uint64]*sampled{}}
}

// Trace returns the samples of connection id, oldest first, and keeps
// sampling it (admin.Deps.Trace).
func (s *traceSampler) Trace(id uint64) []admin.TracePoint {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.watched[id]
	if w == nil {
		if len(s.watched) >= maxWatched {
			return nil
		}
		w = &sampled{points: make([]admin.TracePoint, 0, 64)}
		s.watched[id] = w
	}
	w.asked = s.now()
	out := make([]admin.TracePoint, 0, len(w.points))
	if w.full {
		out = append(out, w.points[w.next:]...)
		out = append(out, w.points[:w.next]...)
	} else {
		out = append(out, w.points...)
	}
	return out
}

// pointOf is one sample of a connection's congestion state.
func pointOf(in *tcp.Info) admin.TracePoint {
	return admin.TracePoint{At: in.Age, Cwnd: in.Cwnd, Ssthresh: in.Ssthresh, InFlight: admin.InFlight(in), SRTT: in.SRTT, DeliveryRate: in.DeliveryRate}
}

// sample takes one point of every watched connection.
func (s *traceSampler) sample() {
	s.mu.Lock()
	n := len(s.watched)
	s.mu.Unlock()
	if n == 0 {
		return
	}
	infos := s.conns()
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	seen := make(map[uint64]bool, len(s.watched))
	for i := range infos {
		w := s.watched[infos[i].ID]
		if w == nil {
			continue
		}
		seen[infos[i].ID] = true
		p := pointOf(&infos[i])
		if len(w.points) < ringLen {
			w.points = append(w.points, p)
			continue
		}
		w.full = true
		w.points[w.next] = p
		w.next = (w.next + 1) % ringLen
	}
	for id, w := range s.watched {
		if !seen[id] || now.Sub(w.asked) > s.forget {
			delete(s.watched, id)
		}
	}
}

// run samples until ctx ends.
func (s *traceSampler) run(ctx context.Context) {
	t := time.NewTicker(s.period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.sample()
		}
	}
}
