package tcp

import (
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"
	"time"
)

// TestTimerHeap: the SYN queue's typed heap pops deadlines in order,
// through pushes and pops mixed at random and after init on an unordered
// slice, and pushing and popping allocate nothing once it has grown.
func TestTimerHeap(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var h timerHeap
	var want []time.Duration
	for round := 0; round < 5000; round++ {
		if len(h) == 0 || r.IntN(3) != 0 {
			at := time.Duration(r.IntN(1000))
			h.push(timerEntry{at: at, remote: netip.AddrPortFrom(netip.IPv4Unspecified(), uint16(at))})
			want = append(want, at)
			continue
		}
		slices.Sort(want)
		e := h.pop()
		if e.at != want[0] || e.remote.Port() != uint16(e.at) {
			t.Fatalf("round %d: popped %v (port %d), want %v", round, e.at, e.remote.Port(), want[0])
		}
		want = want[1:]
	}
	// init on an unordered slice.
	h = h[:0]
	for i := 0; i < 100; i++ {
		h = append(h, timerEntry{at: time.Duration(r.IntN(50))})
	}
	h.init()
	prev := time.Duration(-1)
	for len(h) > 0 {
		e := h.pop()
		if e.at < prev {
			t.Fatalf("init: popped %v after %v", e.at, prev)
		}
		prev = e.at
	}
	h = make(timerHeap, 0, 64)
	if a := testing.AllocsPerRun(100, func() {
		h.push(timerEntry{at: 5})
		h.push(timerEntry{at: 3})
		h.pop()
		h.pop()
	}); a != 0 {
		t.Fatalf("%v allocations per push and pop", a)
	}
}
