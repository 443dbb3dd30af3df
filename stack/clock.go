package stack

import (
	"sync"
	"time"
)

// Clock is the stack's clock: a monotonic time.Duration since some start,
// and a rearmable alarm on it. The stack reads no other clock, so tests
// that pass a ManualClock control every timer (ARP retries, reassembly,
// DHCP, TCP) without sleeping.
type Clock interface {
	// Now is the time since the clock started.
	Now() time.Duration
	// NewAlarm returns a stopped alarm.
	NewAlarm() Alarm
}

// Alarm is one rearmable wake-up on a Clock.
type Alarm interface {
	// C receives (buffered, at most one pending) when the alarm fires.
	C() <-chan struct{}
	// Set arms the alarm to fire once Now() >= at, replacing any earlier
	// setting.
	Set(at time.Duration)
	// Stop disarms it.
	Stop()
}

// realClock counts from its creation with the runtime's monotonic clock.
type realClock struct{ start time.Time }

// NewRealClock returns a Clock that starts at zero now.
func NewRealClock() Clock { return &realClock{start: time.Now()} }

func (c *realClock) Now() time.Duration { return time.Since(c.start) }

func (c *realClock) NewAlarm() Alarm {
	a := &realAlarm{c: c, ch: make(chan struct{}, 1)}
	a.t = time.AfterFunc(time.Hour, a.fire)
	a.t.Stop()
	return a
}

type realAlarm struct {
	c  *realClock
	t  *time.Timer
	ch chan struct{}
}

func (a *realAlarm) fire() {
	select {
	case a.ch <- struct{}{}:
	default:
	}
}

func (a *realAlarm) C() <-chan struct{} { return a.ch }
func (a *realAlarm) Set(at time.Duration) {
	a.t.Reset(max(at-a.c.Now(), 0))
}
func (a *realAlarm) Stop() { a.t.Stop() }

// ManualClock is a Clock that moves only when told to, for tests.
type ManualClock struct {
	mu     sync.Mutex
	now    time.Duration
	alarms []*manualAlarm
}

// NewManualClock returns a clock at time zero.
func NewManualClock() *ManualClock { return &ManualClock{} }

// Now returns the clock's time.
func (c *ManualClock) Now() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d and fires the alarms that are due.
// Their effects happen on the stack's timer goroutine, so a test waits for
// what it expects to see (a frame on the link) rather than for Advance.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now += d
	now := c.now
	alarms := append([]*manualAlarm(nil), c.alarms...)
	c.mu.Unlock()
	for _, a := range alarms {
		a.check(now)
	}
}

// NewAlarm returns a stopped alarm on the manual clock.
func (c *ManualClock) NewAlarm() Alarm {
	a := &manualAlarm{c: c, ch: make(chan struct{}, 1)}
	c.mu.Lock()
	c.alarms = append(c.alarms, a)
	c.mu.Unlock()
	return a
}

type manualAlarm struct {
	c     *ManualClock
	mu    sync.Mutex
	armed bool
	at    time.Duration
	ch    chan struct{}
}

func (a *manualAlarm) C() <-chan struct{} { return a.ch }

func (a *manualAlarm) Set(at time.Duration) {
	a.mu.Lock()
	a.armed, a.at = true, at
	a.mu.Unlock()
	a.check(a.c.Now())
}

func (a *manualAlarm) Stop() {
	a.mu.Lock()
	a.armed = false
	a.mu.Unlock()
}

func (a *manualAlarm) check(now time.Duration) {
	a.mu.Lock()
	due := a.armed && now >= a.at
	if due {
		a.armed = false
	}
	a.mu.Unlock()
	if due {
		select {
		case a.ch <- struct{}{}:
		default:
		}
	}
}
