package tcp

import (
	"container/heap"
	"net/netip"
	"time"
)

// timerHeap orders the SYN queue's deadlines, so a listener under a SYN
// flood touches only the entries whose timers are due, not the whole
// queue. Entries go stale when a connection's deadline moves or it leaves
// the queue; Output skips those (lazy deletion). Its size is bounded by
// twice the SYN queue: stale entries are purged when it grows beyond.
type timerHeap []timerEntry

type timerEntry struct {
	at     time.Duration
	remote netip.AddrPort
}

func (h timerHeap) Len() int           { return len(h) }
func (h timerHeap) Less(i, j int) bool { return h[i].at < h[j].at }
func (h timerHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *timerHeap) Push(x any)        { *h = append(*h, x.(timerEntry)) }
func (h *timerHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

// schedule records c's next deadline.
func (l *Listener) schedule(remote netip.AddrPort, c *Conn) {
	d := c.NextDeadline()
	if d == 0 {
		return
	}
	if len(l.timers) > 2*len(l.syn)+16 {
		l.purgeTimers()
	}
	heap.Push(&l.timers, timerEntry{at: d, remote: remote})
}

// purgeTimers drops stale entries and rebuilds the heap.
func (l *Listener) purgeTimers() {
	keep := l.timers[:0]
	for _, e := range l.timers {
		if c := l.syn[e.remote]; c != nil && c.NextDeadline() == e.at {
			keep = append(keep, e)
		}
	}
	l.timers = keep
	heap.Init(&l.timers)
}
