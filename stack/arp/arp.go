// Package arp is tcpbox's Address Resolution Protocol (RFC 826) for IPv4
// over Ethernet: a neighbour cache with aging, request retries with
// exponential backoff, and a bounded per-address queue of packets waiting
// for resolution.
//
// It is a state machine that does no I/O: it never reads a clock, starts a
// goroutine or touches a link. The stack calls Resolve when it has a
// packet for a next hop, Input for each received ARP packet, and Tick at
// or after NextDeadline; requests to send and packets to transmit or drop
// come back through the callbacks of Hooks. A Cache is not safe for
// concurrent use; the stack serialises calls.
//
// It is not an ARP responder policy: deciding which addresses are ours and
// building frames is the stack's job (the cache only tells it whether a
// packet asks for one of them). Address conflict detection (RFC 5227) and
// proxy ARP are not implemented.
package arp

import (
	"errors"
	"net/netip"
	"time"

	"github.com/tcpbox/tcpbox/stack/wire"
)

// Errors.
var (
	ErrQueueFull = errors.New("arp: resolution queue full")
	ErrTableFull = errors.New("arp: table full")
	ErrFailed    = errors.New("arp: no reply")
)

// Config tunes a Cache. Zero fields take the defaults.
type Config struct {
	// Reachable is how long a resolved entry is used before it is
	// resolved again (default 60 s; Linux's base_reachable_time is 30 s
	// and gc_stale_time 60 s).
	Reachable time.Duration
	// Retries is the number of requests sent for one resolution (default
	// 3, like Linux's mcast_solicit).
	Retries int
	// RetryBase is the wait after the first request; each later wait
	// doubles (default 1 s).
	RetryBase time.Duration
	// QueueLen bounds the packets waiting for one address (default 16);
	// MaxQueued bounds them over all addresses (default 256), so many
	// unresolved destinations cannot pin much memory.
	QueueLen  int
	MaxQueued int
	// MaxEntries bounds the table (default 1024).
	MaxEntries int
	// Failed is how long a failed resolution is remembered, during which
	// packets to that address are dropped at once (default 3 s; RFC 1122
	// §2.3.2.1 asks to prevent ARP flooding).
	Failed time.Duration
}

func (c *Config) defaults() {
	if c.Reachable <= 0 {
		c.Reachable = 60 * time.Second
	}
	if c.Retries <= 0 {
		c.Retries = 3
	}
	if c.RetryBase <= 0 {
		c.RetryBase = time.Second
	}
	if c.QueueLen <= 0 {
		c.QueueLen = 16
	}
	if c.MaxQueued <= 0 {
		c.MaxQueued = 256
	}
	if c.MaxEntries <= 0 {
		c.MaxEntries = 1024
	}
	if c.Failed <= 0 {
		c.Failed = 3 * time.Second
	}
}

// Hooks are the cache's outputs; all are called synchronously from Resolve,
// Input or Tick.
type Hooks[P any] struct {
	// Request asks the stack to broadcast a who-has request for ip.
	Request func(ip netip.Addr)
	// Send transmits a queued packet now that its next hop is known.
	Send func(mac [6]byte, p P)
	// Drop releases a queued packet that will never be sent.
	Drop func(p P, err error)
}

type state uint8

const (
	stateInvalid state = iota
	stateIncomplete
	stateReachable
	stateFailed
)

type entry[P any] struct {
	state    state
	mac      [6]byte
	deadline time.Duration // reachable: freshness ends; incomplete: next retry; failed: expiry
	tries    int
	queue    []P
	// probing: a reachable entry past its freshness that is still used
	// while requests confirm it (Linux's STALE/PROBE, RFC 1122
	// §2.3.2.1's "revalidation"); probeAt is the next request.
	probing bool
	probeAt time.Duration
}

// Cache is the neighbour table.
type Cache[P any] struct {
	cfg     Config
	hooks   Hooks[P]
	entries map[netip.Addr]*entry[P]
	queued  int // packets in all queues
}

// New returns an empty cache.
func New[P any](cfg Config, hooks Hooks[P]) *Cache[P] {
	cfg.defaults()
	return &Cache[P]{cfg: cfg, hooks: hooks, entries: make(map[netip.Addr]*entry[P])}
}

// Lookup returns the MAC of ip if it is resolved (fresh or being
// revalidated).
func (c *Cache[P]) Lookup(now time.Duration, ip netip.Addr) ([6]byte, bool) {
	e := c.entries[ip]
	if e == nil || e.state != stateReachable {
		return [6]byte{}, false
	}
	return e.mac, true
}

// Resolve returns the MAC of ip (ok true) when known; otherwise it takes p
// into the queue of ip (starting a resolution if none is under way) and
// returns ok false and a nil error. When p cannot be queued the error says
// why and p stays the caller's to release.
func (c *Cache[P]) Resolve(now time.Duration, ip netip.Addr, p P) (mac [6]byte, ok bool, err error) {
	e := c.entries[ip]
	if e != nil && e.state == stateReachable {
		if now >= e.deadline && !e.probing {
			// Past its freshness: keep sending to the known MAC (a
			// stall here would drop a fast flow's packets every
			// Reachable) and revalidate in the background.
			e.probing, e.tries, e.probeAt = true, 1, now+c.cfg.RetryBase
			c.hooks.Request(ip)
		}
		return e.mac, true, nil
	}
	if e != nil && e.state == stateFailed && now < e.deadline {
		return [6]byte{}, false, ErrFailed
	}
	if e == nil || e.state != stateIncomplete {
		if e == nil {
			if len(c.entries) >= c.cfg.MaxEntries && !c.evict(now) {
				return [6]byte{}, false, ErrTableFull
			}
			e = &entry[P]{}
			c.entries[ip] = e
		}
		// Expired reachable or failed entry: resolve again.
		e.state, e.tries = stateIncomplete, 1
		e.deadline = now + c.cfg.RetryBase
		c.hooks.Request(ip)
	}
	if len(e.queue) >= c.cfg.QueueLen || c.queued >= c.cfg.MaxQueued {
		return [6]byte{}, false, ErrQueueFull
	}
	e.queue = append(e.queue, p)
	c.queued++
	return [6]byte{}, false, nil
}

// evict removes one expired or failed entry to make room.
func (c *Cache[P]) evict(now time.Duration) bool {
	for ip, e := range c.entries {
		if e.state != stateIncomplete && now >= e.deadline || e.state == stateFailed {
			delete(c.entries, ip)
			return true
		}
	}
	return false
}

// Input applies a received ARP packet by RFC 826's algorithm: if the
// sender is already in the table its MAC is updated ("merge"); if the
// packet is addressed to us (targetIsUs: its target IP is one of our
// addresses) the sender is added. Queued packets for a newly resolved
// sender go out through Hooks.Send. It reports whether the stack should
// answer (a request whose target is us). A gratuitous ARP (sender ==
// target) updates an existing entry but adds none.
func (c *Cache[P]) Input(now time.Duration, a wire.ARP, targetIsUs bool) (reply bool) {
	sip, smac := a.SenderIP(), a.SenderMAC()
	if !sip.IsValid() || sip.IsUnspecified() || wire.IsMulticast(smac) {
		// An ARP probe (sender 0.0.0.0, RFC 5227) teaches nothing, and a
		// multicast sender MAC is never a valid neighbour.
		return targetIsUs && a.Op() == wire.ARPRequest && !wire.IsMulticast(smac)
	}
	e := c.entries[sip]
	switch {
	case e != nil:
		c.learn(now, e, smac)
	case targetIsUs:
		if len(c.entries) < c.cfg.MaxEntries || c.evict(now) {
			e = &entry[P]{}
			c.entries[sip] = e
			c.learn(now, e, smac)
		}
	}
	return targetIsUs && a.Op() == wire.ARPRequest
}

func (c *Cache[P]) learn(now time.Duration, e *entry[P], mac [6]byte) {
	e.state, e.mac, e.tries, e.probing = stateReachable, mac, 0, false
	e.deadline = now + c.cfg.Reachable
	q := e.queue
	e.queue = e.queue[:0]
	c.queued -= len(q)
	for i, p := range q {
		c.hooks.Send(mac, p)
		var zero P
		q[i] = zero
	}
}

// Tick retries due requests (each wait doubling, RFC 1122 §2.3.2.1: no
// more than one request per second per address), fails resolutions that
// ran out of tries (dropping their queues) and forgets expired entries.
func (c *Cache[P]) Tick(now time.Duration) {
	for ip, e := range c.entries {
		if e.state == stateReachable {
			switch {
			case e.probing && now >= e.probeAt && e.tries < c.cfg.Retries:
				e.probeAt = now + c.cfg.RetryBase<<e.tries
				e.tries++
				c.hooks.Request(ip)
			case e.probing && now >= e.probeAt:
				delete(c.entries, ip) // no answer to the revalidation: gone
			case !e.probing && now >= e.deadline+c.cfg.Reachable:
				delete(c.entries, ip) // unused for a whole period: forget it
			}
			continue
		}
		if now < e.deadline {
			continue
		}
		switch e.state {
		case stateIncomplete:
			if e.tries < c.cfg.Retries {
				e.deadline = now + c.cfg.RetryBase<<e.tries
				e.tries++
				c.hooks.Request(ip)
				continue
			}
			for i, p := range e.queue {
				c.hooks.Drop(p, ErrFailed)
				var zero P
				e.queue[i] = zero
			}
			c.queued -= len(e.queue)
			e.queue = e.queue[:0]
			e.state, e.deadline = stateFailed, now+c.cfg.Failed
		default:
			delete(c.entries, ip)
		}
	}
}

// NextDeadline is the earliest time Tick has work, or 0 for none.
func (c *Cache[P]) NextDeadline() time.Duration {
	var d time.Duration
	for _, e := range c.entries {
		t := e.deadline
		switch {
		case e.state == stateReachable && e.probing:
			t = e.probeAt
		case e.state == stateReachable:
			t = e.deadline + c.cfg.Reachable
		}
		if d == 0 || t < d {
			d = t
		}
	}
	return d
}

// Flush forgets every entry, dropping queued packets (on address change).
func (c *Cache[P]) Flush() {
	for ip, e := range c.entries {
		for _, p := range e.queue {
			c.hooks.Drop(p, ErrFailed)
		}
		delete(c.entries, ip)
	}
	c.queued = 0
}

// Len is the number of entries.
func (c *Cache[P]) Len() int { return len(c.entries) }

// Entry is one row of the table, for the admin page.
type Entry struct {
	IP       netip.Addr
	MAC      [6]byte
	Resolved bool
	Expires  time.Duration
	Queued   int
}

// Entries returns a snapshot of the table.
func (c *Cache[P]) Entries() []Entry {
	out := make([]Entry, 0, len(c.entries))
	for ip, e := range c.entries {
		out = append(out, Entry{IP: ip, MAC: e.mac, Resolved: e.state == stateReachable, Expires: e.deadline, Queued: len(e.queue)})
	}
	return out
}
