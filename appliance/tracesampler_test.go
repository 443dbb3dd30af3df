package appliance

import (
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/stack/tcp"
)

// The sampler keeps points only of connections asked for, in order, in a
// bounded ring, and forgets a connection that is gone or no longer asked
// for.
func TestTraceSampler(t *testing.T) {
	var infos []tcp.Info
	now := time.Unix(1000, 0)
	s := newTraceSampler(func() []tcp.Info { return infos })
	s.now = func() time.Time { return now }
	infos = []tcp.Info{{ID: 1, Cwnd: 10}, {ID: 2, Cwnd: 20}}
	s.sample() // nobody watches: nothing kept
	if got := s.Trace(1); len(got) != 0 {
		t.Fatalf("points before watching: %v", got)
	}
	for i := range ringLen + 5 {
		infos[0].Cwnd, infos[0].Age = 100+i, time.Duration(i)*time.Millisecond
		s.sample()
	}
	got := s.Trace(1)
	if len(got) != ringLen || got[0].Cwnd != 105 || got[len(got)-1].Cwnd != 100+ringLen+4 {
		t.Fatalf("ring: %d points, first %d, last %d", len(got), got[0].Cwnd, got[len(got)-1].Cwnd)
	}
	for i := 1; i < len(got); i++ {
		if got[i].At <= got[i-1].At {
			t.Fatalf("points out of order at %d", i)
		}
	}
	if len(s.watched) != 1 {
		t.Fatalf("watching %d connections, want 1 (2 was never asked for)", len(s.watched))
	}
	now = now.Add(31 * time.Second)
	s.sample()
	if len(s.watched) != 0 {
		t.Fatal("a connection not asked for in 30 s is still sampled")
	}
	s.Trace(2)
	infos = infos[:1] // connection 2 is gone
	s.sample()
	if len(s.watched) != 0 {
		t.Fatal("a closed connection is still sampled")
	}
	for id := range uint64(maxWatched + 3) {
		s.Trace(100 + id)
	}
	if len(s.watched) != maxWatched {
		t.Fatalf("watching %d, bound %d", len(s.watched), maxWatched)
	}
}

// In flight is RFC 6675's pipe in bytes.
func TestTracePointPipe(t *testing.T) {
	p := pointOf(&tcp.Info{Unacked: 10, Sacked: 3, Lost: 2, Retrans: 1, SndMSS: 1000, Cwnd: 14480})
	if p.InFlight != 6000 || p.Cwnd != 14480 {
		t.Fatalf("%+v", p)
	}
}
