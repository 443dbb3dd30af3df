package stack

import (
	"sync"
	"testing"
	"time"
)

// The timer heap on a manual clock: order, moves, cancels and re-arming
// from a callback, without sleeping for ordering.
func TestTimerHeap(t *testing.T) {
	h := newHarness(t, Options{})
	s := h.s
	var mu sync.Mutex
	var fired []string
	got := make(chan struct{}, 16)
	mk := func(name string) *Timer {
		return s.newTimer(func(now time.Duration) {
			mu.Lock()
			fired = append(fired, name)
			mu.Unlock()
			got <- struct{}{}
		})
	}
	wait := func(n int) {
		t.Helper()
		for i := 0; i < n; i++ {
			select {
			case <-got:
			case <-time.After(ioTimeout):
				t.Fatalf("timer %d of %d never fired", i+1, n)
			}
		}
	}
	a, b, c, d := mk("a"), mk("b"), mk("c"), mk("d")
	s.schedule(a, 30*time.Second)
	s.schedule(b, 10*time.Second)
	s.schedule(c, 20*time.Second)
	s.schedule(d, 40*time.Second)
	s.schedule(c, 5*time.Second) // moved earlier
	s.cancel(d)
	s.cancel(d) // twice is harmless
	h.clock.Advance(5 * time.Second)
	wait(1)
	h.clock.Advance(25 * time.Second)
	wait(2)
	mu.Lock()
	order := append([]string(nil), fired...)
	mu.Unlock()
	if len(order) != 3 || order[0] != "c" || order[1] != "b" || order[2] != "a" {
		t.Fatalf("fired %v, want [c b a]", order)
	}
	// A callback that re-arms itself.
	n := 0
	var self *Timer
	self = s.newTimer(func(now time.Duration) {
		n++
		if n < 3 {
			s.schedule(self, now+time.Second)
		}
		got <- struct{}{}
	})
	s.schedule(self, h.clock.Now()+time.Second)
	for i := 0; i < 3; i++ {
		h.clock.Advance(time.Second)
		wait(1)
	}
	h.clock.Advance(time.Minute)
	select {
	case <-got:
		t.Fatal("a cancelled or finished timer fired")
	case <-time.After(50 * time.Millisecond):
	}
	if a.idx != -1 || self.idx != -1 || len(s.timers.h) > 3 {
		t.Fatalf("heap not cleaned: %d entries", len(s.timers.h))
	}
}

func TestTimerHeapOrderProperty(t *testing.T) {
	// The heap's invariants under random operations (no goroutine).
	var q timerHeap
	timers := make([]*Timer, 50)
	for i := range timers {
		timers[i] = &Timer{idx: -1}
	}
	seed := uint32(1)
	rnd := func(n int) int { seed = seed*1664525 + 1013904223; return int(seed>>8) % n }
	for step := 0; step < 5000; step++ {
		tm := timers[rnd(len(timers))]
		if rnd(3) == 0 {
			if tm.idx >= 0 {
				q.remove(tm.idx)
			}
		} else {
			tm.at = time.Duration(1 + rnd(1000))
			if tm.idx < 0 {
				tm.idx = len(q.h)
				q.h = append(q.h, tm)
				q.up(tm.idx)
			} else {
				q.fix(tm.idx)
			}
		}
		for i, x := range q.h {
			if x.idx != i {
				t.Fatalf("step %d: index %d holds idx %d", step, i, x.idx)
			}
			if i > 0 && q.h[(i-1)/2].at > x.at {
				t.Fatalf("step %d: heap order broken at %d", step, i)
			}
		}
	}
}
