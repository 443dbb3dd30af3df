package minheap

import (
	"math/rand/v2"
	"slices"
	"testing"
)

type val struct{ k, seq int }

func (a val) Before(b val) bool { return a.k < b.k || a.k == b.k && a.seq < b.seq }

// TestOrder: values come out in order through random pushes and pops and
// after Init on an unordered slice; pushing and popping allocate nothing
// once the slice has room.
func TestOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var h []val
	var want []val
	for round := 0; round < 5000; round++ {
		if len(h) == 0 || r.IntN(3) != 0 {
			v := val{k: r.IntN(100), seq: round}
			Push(&h, v)
			want = append(want, v)
			continue
		}
		slices.SortFunc(want, func(a, b val) int {
			if a.Before(b) {
				return -1
			}
			return 1
		})
		if got := Pop(&h); got != want[0] {
			t.Fatalf("round %d: popped %v, want %v", round, got, want[0])
		}
		want = want[1:]
	}
	s := make([]val, 200)
	for i := range s {
		s[i] = val{k: r.IntN(50), seq: i}
	}
	Init(s)
	prev := val{k: -1}
	for len(s) > 0 {
		v := Pop(&s)
		if v.Before(prev) {
			t.Fatalf("after Init: %v popped after %v", v, prev)
		}
		prev = v
	}
	h = make([]val, 0, 64)
	if a := testing.AllocsPerRun(100, func() {
		Push(&h, val{k: 5})
		Push(&h, val{k: 3})
		Pop(&h)
		Pop(&h)
	}); a != 0 {
		t.Fatalf("%v allocations per push and pop", a)
	}
}
