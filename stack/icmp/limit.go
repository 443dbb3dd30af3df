package icmp

import "time"

// Limiter is a token bucket for outgoing ICMP errors (RFC 1812 §4.3.2.8
// and RFC 1122 §3.2.2: a host SHOULD limit the rate of error messages);
// the TCP glue uses the same type to limit RSTs. The zero value allows
// nothing; use NewLimiter.
type Limiter struct {
	rate  float64 // tokens per second
	burst float64
	have  float64
	last  time.Duration
}

// NewLimiter allows perSecond messages on average with bursts of burst.
func NewLimiter(perSecond, burst int) *Limiter {
	return &Limiter{rate: float64(perSecond), burst: float64(burst), have: float64(burst)}
}

// Allow takes a token if one is available at time now.
func (l *Limiter) Allow(now time.Duration) bool {
	if now > l.last {
		l.have += l.rate * (now - l.last).Seconds()
		if l.have > l.burst {
			l.have = l.burst
		}
		l.last = now
	}
	if l.have >= 1 {
		l.have--
		return true
	}
	return false
}
