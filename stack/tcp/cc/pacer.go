package cc

import (
	"math/bits"
	"time"
)

// maxPaceBytes bounds segment and burst sizes the pacer accounts, so its
// byte-nanosecond arithmetic stays within int64.
const maxPaceBytes = 1 << 30

// maxCatchUp bounds the lateness of a wake-up the pacer makes up for.
const maxCatchUp = 10 * time.Millisecond

// Pacer spaces a connection's transmissions at its pacing rate: a token
// bucket filled at the rate, holding at most Burst bytes (or one segment,
// whichever is larger), so that after idle no more than Burst leaves back
// to back. The sender asks NextSendTime before sending a segment; if that
// is later than now it arms its timer for then; after sending it calls
// OnSend. A zero rate means no pacing. The zero value paces strictly (one
// segment at a time). Exact integer arithmetic in byte-nanoseconds, no
// allocation, no clock.
//
// Late wake-ups are made up for. A sender held until t that comes back
// at t+L (Go's runtime sleeps at least 1 ms when it has nothing else to
// do; a loaded host adds more) may send at that instant what it would
// have sent at t plus what the rate earned during L, up to maxCatchUp
// of it: the bucket's cap grows by rate*L for that one instant (the first
// call at or after t: Wake, NextSendTime or OnSend), and what is not
// spent then lapses. Linux makes up for such "OS jitter" too
// (tcp_update_skb_after_send's credit). Without it the bucket's depth
// caps the rate at Burst per wake-up interval: BBR at 50 Mbit/s, with
// a quantum of 1 ms of data and wake-ups every 1.2 ms, measured its own
// shortfall as the bottleneck's and sank with it.
type Pacer struct {
	Burst int // bytes that may leave back to back; 0 means one segment

	rate   uint64        // bytes per second
	tokens int64         // byte-nanoseconds of credit; negative is debt
	last   time.Duration // time tokens were last brought up to date
	seg    int           // largest segment seen: the bucket is never smaller
	held   time.Duration // when NextSendTime last held a segment until; 0 if not held
	extra  int64         // catch-up credit the bucket may hold at instant last
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

// Wake tells the pacer the sender is running at now and could send:
// the sender calls it at every instant it might (each output pass), so
// that a held segment's lateness is measured when the sender came back
// and its catch-up credit lapses if nothing was sent then (an
// application with nothing more to write, a full window), rather than
// surfacing as a burst at the next send after idle.
func (p *Pacer) Wake(now time.Duration) { p.refill(now) }

// Rate returns the current pacing rate in bytes per second.
func (p *Pacer) Rate() uint64 { return p.rate }

func (p *Pacer) depth() int64 {
	return int64(min(max(p.Burst, p.seg, 1), maxPaceBytes)) * 1e9
}

// refill adds the credit earned since last, capped at the bucket depth
// (plus the catch-up credit of a late wake-up at this instant).
func (p *Pacer) refill(now time.Duration) {
	d := p.depth()
	if now <= p.last {
		p.tokens = min(p.tokens, d+p.extra)
		return
	}
	// A new instant: unspent catch-up credit of the last one lapses.
	p.tokens = min(p.tokens, d)
	p.extra = 0
	if p.held != 0 && now >= p.held {
		if p.rate != 0 {
			p.extra = byteNanos(min(now-p.held, maxCatchUp), p.rate)
		}
		p.held = 0
	}
	elapsed := now - p.last
	p.last = now
	if p.rate == 0 {
		p.tokens = d
		return
	}
	limit := d + p.extra
	if room := limit - p.tokens; byteNanos(elapsed, p.rate) >= room {
		p.tokens = limit
		return
	}
	p.tokens += byteNanos(elapsed, p.rate)
}

// byteNanos is the credit, in byte-nanoseconds, that rate earns in d,
// saturating at maxPaceBytes worth.
func byteNanos(d time.Duration, rate uint64) int64 {
	const limit = maxPaceBytes * 1e9
	if d <= 0 {
		return 0
	}
	hi, lo := bits.Mul64(uint64(d), rate)
	if hi != 0 || lo >= limit {
		return limit
	}
	return int64(lo)
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
	p.held = now + time.Duration(wait)
	return p.held
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
