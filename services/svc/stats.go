package svc

import (
	"maps"
	"sync"
	"sync/atomic"
)

// Stats counts what one service did. All methods are safe for concurrent
// use; the zero value is ready.
type Stats struct {
	conns    atomic.Uint64 // accepted and served
	active   atomic.Int64
	rejected atomic.Uint64 // refused by a limit
	bytesIn  atomic.Uint64
	bytesOut atomic.Uint64

	mu     sync.Mutex
	errors map[string]uint64 // by reason
}

// Snapshot is a point-in-time copy of Stats, ready for JSON.
type Snapshot struct {
	Connections uint64            `json:"connections"`
	Active      int64             `json:"active"`
	Rejected    uint64            `json:"rejected"`
	BytesIn     uint64            `json:"bytes_in"`
	BytesOut    uint64            `json:"bytes_out"`
	Errors      map[string]uint64 `json:"errors"`
}

// Error counts one error of the given reason (a short snake_case word such
// as "frame_too_large" or "idle_timeout").
func (s *Stats) Error(reason string) {
	s.mu.Lock()
	if s.errors == nil {
		s.errors = make(map[string]uint64)
	}
	s.errors[reason]++
	s.mu.Unlock()
}

// AddIn and AddOut count payload bytes received and sent.
func (s *Stats) AddIn(n int) {
	if n > 0 {
		s.bytesIn.Add(uint64(n))
	}
}

func (s *Stats) AddOut(n int) {
	if n > 0 {
		s.bytesOut.Add(uint64(n))
	}
}

// Opened and Closed track a served connection; Rejected one refused by a
// limit (also counted as an error with its reason).
func (s *Stats) Opened() { s.conns.Add(1); s.active.Add(1) }
func (s *Stats) Closed() { s.active.Add(-1) }
func (s *Stats) Rejected(reason string) {
	s.rejected.Add(1)
	s.Error(reason)
}

// Snapshot copies the counters.
func (s *Stats) Snapshot() Snapshot {
	s.mu.Lock()
	errs := maps.Clone(s.errors)
	s.mu.Unlock()
	if errs == nil {
		errs = map[string]uint64{}
	}
	return Snapshot{
		Connections: s.conns.Load(),
		Active:      s.active.Load(),
		Rejected:    s.rejected.Load(),
		BytesIn:     s.bytesIn.Load(),
		BytesOut:    s.bytesOut.Load(),
		Errors:      errs,
	}
}

// Add returns the sum of two snapshots, errors merged by reason: the
// counters of a service's earlier runs added to its current ones.
func (s Snapshot) Add(o Snapshot) Snapshot {
	errs := maps.Clone(s.Errors)
	if errs == nil {
		errs = map[string]uint64{}
	}
	for r, n := range o.Errors {
		errs[r] += n
	}
	return Snapshot{
		Connections: s.Connections + o.Connections,
		Active:      s.Active + o.Active,
		Rejected:    s.Rejected + o.Rejected,
		BytesIn:     s.BytesIn + o.BytesIn,
		BytesOut:    s.BytesOut + o.BytesOut,
		Errors:      errs,
	}
}
