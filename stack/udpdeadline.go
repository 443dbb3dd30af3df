package stack

import (
	"sync"
	"time"
)

// udpDeadline is a read or write deadline of a UDPConn in wall-clock time
// (the net.PacketConn contract): a channel closed when it passes, armed
// by one time.AfterFunc per SetDeadline call, nothing per datagram.
type udpDeadline struct {
	mu    sync.Mutex
	t     *time.Timer
	ch    chan struct{} // closed when the deadline passes; nil: none set
	fired bool
}

func (d *udpDeadline) set(t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.t != nil {
		d.t.Stop()
		d.t = nil
	}
	if d.ch == nil || d.fired {
		d.ch, d.fired = make(chan struct{}), false
	}
	if t.IsZero() {
		return
	}
	dur := time.Until(t)
	if dur <= 0 {
		close(d.ch)
		d.fired = true
		return
	}
	ch := d.ch
	d.t = time.AfterFunc(dur, func() {
		d.mu.Lock()
		defer d.mu.Unlock()
		if d.ch == ch && !d.fired {
			close(ch)
			d.fired = true
		}
	})
}

// wait returns a channel that is closed once the deadline passes. It is
// made here if no deadline was ever set, so a reader blocked on it is
// woken by a deadline set later (set keeps an unfired channel).
func (d *udpDeadline) wait() <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ch == nil {
		d.ch = make(chan struct{})
	}
	return d.ch
}

func (d *udpDeadline) passed() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.fired
}

func (d *udpDeadline) stop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.t != nil {
		d.t.Stop()
	}
}
