package tcp

import (
	"net/netip"
	"time"

	"github.com/tcpbox/tcpbox/internal/minheap"
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

// Before orders entries by deadline.
func (a timerEntry) Before(b timerEntry) bool { return a.at < b.at }

// push adds e. The heap is typed (internal/minheap; container/heap would
// box every entry in an interface: two allocations per SYN).
func (h *timerHeap) push(e timerEntry) { minheap.Push((*[]timerEntry)(h), e) }

// pop removes and returns the earliest entry; the heap must not be empty.
func (h *timerHeap) pop() timerEntry { return minheap.Pop((*[]timerEntry)(h)) }

// init orders the whole heap.
func (h timerHeap) init() { minheap.Init(h) }

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
