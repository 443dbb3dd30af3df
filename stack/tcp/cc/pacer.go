package cc

import (
	"math/bits"
	"time"
)

// maxPaceBytes bounds segment and burst sizes the pacer accounts, so its
// byte-nanosecond arithmetic stays within int64.
const maxPaceBytes = 1 << 30

// Pacer spaces a connection's transmissions at its pacing rate: a token
// bucket filled at the rate, holding at most Burst bytes (or one segment,
// whichever is larger), so that after idle no more than Burst leaves back
// to back. The sender asks NextSendTime before sending a segment; if that
// is later than now it arms its timer for then; after sending it calls
// OnSend. A zero rate means no pacing. The zero value paces strictly (one
// segment at a time). Exact integer arithmetic in byte-nanoseconds, no
// allocation, no clock.
type Pacer struct {
	Burst int // bytes that may leave back to back; 0 means one segment

	rate   uint64        // bytes per second
	tokens int64         // byte-nanoseconds of credit; negative is debt
	last   time.Duration // time tokens were last brought up to date
	seg    int           // largest segment seen: the bucket is never smaller
}

// SetRate changes the pacing rate from now on (s.PacingRate after each
// call into the algorithm). Credit earned so far at the old rate is kept.
func (p *Pacer) SetRate(now time.Duration, rate uint64) {
	if rate == p.rate {
		return
	}
	p.refill(now)
	if p.rate == 0 {
		// Unpaced until now: the bucket starts full (capped to its
		// depth once the segment size is known).
		p.tokens = 1 << 62
		p.last = now
	}
	p.rate = rate
}

// Rate returns the current pacing rate in bytes per second.
func (p *Pacer) Rate() uint64 { return p.rate }

func (p *Pacer) depth() int64 {
	return int64(min(max(p.Burst, p.seg, 1), maxPaceBytes)) * 1e9
}

// refill adds the credit earned since last, capped at the bucket depth.
func (p *Pacer) refill(now time.Duration) {
	d := p.depth()
	p.tokens = min(p.tokens, d)
	if now <= p.last {
		return
	}
	elapsed := uint64(now - p.last)
	p.last = now
	if p.rate == 0 || p.tokens == d {
		p.tokens = d
		return
	}
	hi, lo := bits.Mul64(elapsed, p.rate)
	if room := uint64(d - p.tokens); hi != 0 || lo >= room {
		p.tokens = d
		return
	}
	p.tokens += int64(lo)
}

// NextSendTime returns the earliest time, not before now, at which a
// segment of bytes may be sent.
func (p *Pacer) NextSendTime(now time.Duration, bytes int) time.Duration {
	if p.rate == 0 {
		return now
	}
	bytes = min(max(bytes, 1), maxPaceBytes)
	p.seg = max(p.seg, bytes)
	p.refill(now)
	need := int64(bytes) * 1e9
	if p.tokens >= need {
		return now
	}
	short := uint64(need - p.tokens)
	wait := (short + p.rate - 1) / p.rate // ceil, nanoseconds
	return now + time.Duration(wait)
}

// OnSend charges a segment of bytes sent at now. Sending earlier than
// NextSendTime allowed (a retransmission the sender chose not to pace)
// leaves debt that delays later segments.
func (p *Pacer) OnSend(now time.Duration, bytes int) {
	bytes = min(max(bytes, 0), maxPaceBytes)
	p.seg = max(p.seg, bytes)
	p.refill(now)
	if p.rate == 0 {
		return
	}
	// Debt is bounded by one bucket: a sender that ignores the pacer
	// does not block itself for ever.
	p.tokens = max(p.tokens-int64(bytes)*1e9, -p.depth())
}
