package stack

import (
	"sync"
	"time"
)

// The stack's one timer structure: a binary min-heap of Timers ordered by
// deadline, served by one goroutine (runTimers) that sleeps on one Alarm
// of the stack's Clock until the earliest deadline. ARP retries and aging,
// reassembly expiry, DHCP renewal and (through the glue) TCP all hang
// their deadlines here; arming or moving a timer is O(log n) and allocates
// nothing.

// Timer is one deadline on the stack's timer heap. Create it with
// newTimer; its callback runs on the timer goroutine with no stack lock
// held, so it may take any lock and re-arm timers (itself included).
type Timer struct {
	fn  func(now time.Duration)
	at  time.Duration
	idx int // position in the heap, -1 when not armed
}

type timerHeap struct {
	mu    sync.Mutex
	h     []*Timer
	alarm Alarm
	clock Clock
	due   []*Timer // reused by run
}

func (s *Stack) newTimer(fn func(now time.Duration)) *Timer {
	return &Timer{fn: fn, idx: -1}
}

// schedule arms t to fire at the stack time at (>= now), moving it if it
// was armed. at == 0 disarms it.
func (s *Stack) schedule(t *Timer, at time.Duration) {
	q := &s.timers
	if at == 0 {
		s.cancel(t)
		return
	}
	q.mu.Lock()
	t.at = at
	if t.idx < 0 {
		t.idx = len(q.h)
		q.h = append(q.h, t)
		q.up(t.idx)
	} else {
		q.fix(t.idx)
	}
	// The alarm always tracks the earliest deadline (set under the lock
	// so concurrent schedulers cannot leave it at a later one).
	q.alarm.Set(q.h[0].at)
	q.mu.Unlock()
}

// cancel disarms t; it is a no-op on an unarmed timer.
func (s *Stack) cancel(t *Timer) {
	q := &s.timers
	q.mu.Lock()
	if t.idx >= 0 {
		q.remove(t.idx)
	}
	q.mu.Unlock()
	// The alarm may fire early for a cancelled first timer; run then
	// finds nothing due and sets it again.
}

// runTimers is the timer goroutine: it fires due timers and sleeps until
// the next deadline, until done is closed.
func (s *Stack) runTimers(done <-chan struct{}) {
	q := &s.timers
	for {
		q.mu.Lock()
		now := q.clock.Now()
		q.due = q.due[:0]
		for len(q.h) > 0 && q.h[0].at <= now {
			q.due = append(q.due, q.h[0])
			q.remove(0)
		}
		due := q.due
		if len(due) == 0 {
			// Arm for the earliest deadline under the lock, as schedule
			// does, so neither can leave the alarm at a later time than
			// the other just set.
			if len(q.h) > 0 {
				q.alarm.Set(q.h[0].at)
			} else {
				q.alarm.Stop()
			}
		}
		q.mu.Unlock()
		if len(due) > 0 {
			for i, t := range due {
				t.fn(now)
				due[i] = nil
			}
			continue // callbacks may have armed timers that are due now
		}
		select {
		case <-done:
			q.alarm.Stop()
			return
		case <-q.alarm.C():
		}
	}
}

func (q *timerHeap) less(i, j int) bool { return q.h[i].at < q.h[j].at }

func (q *timerHeap) swap(i, j int) {
	q.h[i], q.h[j] = q.h[j], q.h[i]
	q.h[i].idx, q.h[j].idx = i, j
}

func (q *timerHeap) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !q.less(i, p) {
			return
		}
		q.swap(i, p)
		i = p
	}
}

func (q *timerHeap) down(i int) bool {
	i0 := i
	n := len(q.h)
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		c := l
		if r := l + 1; r < n && q.less(r, l) {
			c = r
		}
		if !q.less(c, i) {
			break
		}
		q.swap(i, c)
		i = c
	}
	return i > i0
}

func (q *timerHeap) fix(i int) {
	if !q.down(i) {
		q.up(i)
	}
}

func (q *timerHeap) remove(i int) {
	n := len(q.h) - 1
	t := q.h[i]
	if i != n {
		q.swap(i, n)
	}
	q.h[n] = nil
	q.h = q.h[:n]
	if i != n {
		q.fix(i)
	}
	t.idx = -1
}
