package svc

import (
	"sync"
	"time"
)

// ReasonRateLimited counts datagrams dropped by a Bucket.
const ReasonRateLimited = "rate_limited"

// Bucket is a token bucket: Allow takes one token, refilled at Rate per
// second up to Burst. A datagram service that answers (echo, chargen) uses
// one so it cannot be turned into a traffic amplifier by spoofed sources.
// The zero Rate means no limit. Safe for concurrent use.
type Bucket struct {
	Rate  float64 // tokens per second; 0: unlimited
	Burst float64 // largest burst; 0 means Rate (one second's worth)

	mu     sync.Mutex
	tokens float64
	last   time.Time
}

// Allow reports whether one more event fits at time now.
func (b *Bucket) Allow(now time.Time) bool {
	if b == nil || b.Rate <= 0 {
		return true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	burst := b.Burst
	if burst <= 0 {
		burst = b.Rate
	}
	if b.last.IsZero() {
		b.tokens = burst
	} else if d := now.Sub(b.last); d > 0 {
		b.tokens = min(burst, b.tokens+d.Seconds()*b.Rate)
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
