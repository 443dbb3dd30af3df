package admin

import (
	"net"
	"sync"
	"time"
)

// loginThrottle slows password guessing: each client address may fail
// burst times, then once per interval (a token bucket per address). A
// client over its budget gets 429 before its credentials are even
// checked. At most maxClients addresses are tracked; when full, the entry
// that has been idle longest is forgotten, so memory stays bounded.
type loginThrottle struct {
	mu      sync.Mutex
	clients map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

const (
	throttleBurst    = 10
	throttleInterval = 6 * time.Second
	maxClients       = 1024
)

func clientKey(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		return remoteAddr
	}
	return host
}

func (t *loginThrottle) refill(b *bucket, now time.Time) {
	b.tokens += now.Sub(b.last).Seconds() / throttleInterval.Seconds()
	if b.tokens > throttleBurst {
		b.tokens = throttleBurst
	}
	b.last = now
}

// allowed reports whether the client may try a password now.
func (t *loginThrottle) allowed(remote string, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.clients[clientKey(remote)]
	if b == nil {
		return true
	}
	t.refill(b, now)
	return b.tokens >= 1
}

// failed spends one token of the client's budget.
func (t *loginThrottle) failed(remote string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.clients == nil {
		t.clients = map[string]*bucket{}
	}
	k := clientKey(remote)
	b := t.clients[k]
	if b == nil {
		if len(t.clients) >= maxClients {
			var oldest string
			for key, v := range t.clients {
				if oldest == "" || v.last.Before(t.clients[oldest].last) {
					oldest = key
				}
			}
			delete(t.clients, oldest)
		}
		b = &bucket{tokens: throttleBurst, last: now}
		t.clients[k] = b
	}
	t.refill(b, now)
	b.tokens--
}
