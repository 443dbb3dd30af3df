package tcp

import (
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

// push adds e. The heap is typed (container/heap would box every entry
// in an interface: two allocations per SYN).
func (h *timerHeap) push(e timerEntry) {
	*h = append(*h, e)
	q := *h
	for i := len(q) - 1; i > 0; {
		p := (i - 1) / 2
		if q[p].at <= q[i].at {
			break
		}
		q[p], q[i] = q[i], q[p]
		i = p
	}
}

// pop removes and returns the earliest entry; the heap must not be empty.
func (h *timerHeap) pop() timerEntry {
	q := *h
	e := q[0]
	last := len(q) - 1
	q[0] = q[last]
	q = q[:last]
	*h = q
	q.down(0)
	return e
}

// down restores the heap order below i.
func (h timerHeap) down(i int) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		m := l
		if r := l + 1; r < len(h) && h[r].at < h[l].at {
			m = r
		}
		if h[i].at <= h[m].at {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

// init orders the whole heap.
func (h timerHeap) init() {
	for i := len(h)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
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
	l.timers.push(timerEntry{at: d, remote: remote})
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
	l.timers.init()
}
