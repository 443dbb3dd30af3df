//go:build tcpglue

package stack

import (
	"container/heap"
	"sync"
	"time"
)

// tcpTimers is the one timer queue of a stack's TCP: a min-heap of the
// next deadlines of connections and listeners, served by one goroutine.
// A connection re-arms its entry after every call into its state machine
// (at tcp.Conn.NextDeadline); arming moves the entry in the heap, so
// nothing is allocated per segment and no time.Timer exists per
// connection.
//
// Deadlines are on the stack's clock (tcpLower.now). Callbacks run on the
// timer goroutine without the queue's lock held, so they may take the
// connection's lock and re-arm.
type tcpTimers struct {
	clock func() time.Duration

	mu   sync.Mutex
	h    tcpTimerHeap
	wake chan struct{} // poked when the earliest deadline moves earlier
	quit chan struct{}
	done chan struct{}
	due  []*tcpTimer // reused by run
}

// tcpTimer is one entry: a callback and its deadline.
type tcpTimer struct {
	q   *tcpTimers
	fn  func(now time.Duration)
	at  time.Duration
	idx int // position in the heap, -1 when not armed
}

func (q *tcpTimers) start(clock func() time.Duration) {
	q.clock = clock
	q.wake = make(chan struct{}, 1)
	q.quit = make(chan struct{})
	q.done = make(chan struct{})
	go q.run()
}

// stop ends the timer goroutine and waits for it.
func (q *tcpTimers) stop() {
	close(q.quit)
	<-q.done
}

func (t *tcpTimer) init(q *tcpTimers, fn func(now time.Duration)) {
	t.q, t.fn, t.idx = q, fn, -1
}

// arm sets the deadline; 0 disarms (the contract's "no timer armed").
func (t *tcpTimer) arm(at time.Duration) {
	if at == 0 {
		t.stop()
		return
	}
	q := t.q
	q.mu.Lock()
	if t.idx >= 0 && t.at == at {
		q.mu.Unlock()
		return
	}
	t.at = at
	if t.idx >= 0 {
		heap.Fix(&q.h, t.idx)
	} else {
		heap.Push(&q.h, t)
	}
	first := q.h[0] == t
	q.mu.Unlock()
	if first {
		select {
		case q.wake <- struct{}{}:
		default:
		}
	}
}

// stop disarms the timer.
func (t *tcpTimer) stop() {
	q := t.q
	q.mu.Lock()
	if t.idx >= 0 {
		heap.Remove(&q.h, t.idx)
	}
	q.mu.Unlock()
}

func (q *tcpTimers) run() {
	defer close(q.done)
	sleep := time.NewTimer(time.Hour)
	defer sleep.Stop()
	for {
		now := q.clock()
		q.mu.Lock()
		q.due = q.due[:0]
		for len(q.h) > 0 && q.h[0].at <= now {
			q.due = append(q.due, heap.Pop(&q.h).(*tcpTimer))
		}
		wait := time.Hour
		if len(q.h) > 0 {
			wait = q.h[0].at - now
		}
		due := q.due
		q.mu.Unlock()
		for i, t := range due {
			t.fn(now)
			due[i] = nil
		}
		if len(due) > 0 {
			continue // callbacks took time and may have armed earlier deadlines
		}
		sleep.Reset(wait)
		select {
		case <-sleep.C:
		case <-q.wake:
			if !sleep.Stop() {
				select {
				case <-sleep.C:
				default:
				}
			}
		case <-q.quit:
			return
		}
	}
}

// tcpTimerHeap orders timers by deadline (container/heap).
type tcpTimerHeap []*tcpTimer

func (h tcpTimerHeap) Len() int           { return len(h) }
func (h tcpTimerHeap) Less(i, j int) bool { return h[i].at < h[j].at }
func (h tcpTimerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].idx, h[j].idx = i, j
}
func (h *tcpTimerHeap) Push(x any) {
	t := x.(*tcpTimer)
	t.idx = len(*h)
	*h = append(*h, t)
}
func (h *tcpTimerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	t.idx = -1
	*h = old[:len(old)-1]
	return t
}
