package impair

import (
	"math"
	"math/rand/v2"

	"github.com/tcpbox/tcpbox/nic"
)

// pipe is the decision core of one direction. It does no I/O and reads no
// clock: offer takes a frame at time now (nanoseconds on any monotonic
// scale), and pop returns the frames due by now in release order. The
// caller serialises all calls.
type pipe struct {
	d   Direction
	rng *rand.Rand

	bad         bool  // Gilbert-Elliott state
	tat         int64 // token bucket: when the bucket would be full again with nothing sent (GCRA's theoretical arrival time)
	lastRelease int64 // release time of the latest in-order frame
	seq         uint64

	bufSize int
	slab    [][]byte // buffers, allocated on first use, at most d.Limit
	meta    []slotMeta
	free    []int32
	h       releaseHeap
	c       Counters
}

type slotMeta struct {
	n   int
	off nic.Offload
}

// newPipe makes the core of one direction; stream separates the
// generators of the directions that share a seed.
func newPipe(d Direction, seed int64, stream uint64, bufSize int) *pipe {
	d = d.withDefaults()
	return &pipe{
		d:       d,
		rng:     rand.New(rand.NewPCG(uint64(seed), stream)),
		bufSize: bufSize,
	}
}

// offer takes a copy of f at time now and decides its fate.
func (p *pipe) offer(now int64, f *nic.Frame) {
	p.c.Offered++
	if len(f.Data) > p.bufSize {
		p.c.DropOversize++
		return
	}
	if p.d.Loss > 0 && p.rng.Float64() < p.d.Loss {
		p.c.DropLoss++
		return
	}
	if p.d.GE.Enabled() && p.geLose() {
		p.c.DropBurst++
		return
	}
	copies := 1
	if p.d.Duplicate > 0 && p.rng.Float64() < p.d.Duplicate {
		copies = 2
		p.c.Duplicated++
	}
	corrupt := p.d.Corrupt > 0 && len(f.Data) > 0 && p.rng.Float64() < p.d.Corrupt
	for i := 0; i < copies; i++ {
		idx, ok := p.take()
		if !ok {
			p.c.DropLimit++
			continue
		}
		at, ok := p.release(now, len(f.Data))
		if !ok {
			p.give(idx)
			p.c.DropQueue++
			continue
		}
		buf := p.slab[idx]
		n := copy(buf, f.Data)
		p.meta[idx] = slotMeta{n: n, off: f.Offload}
		if corrupt && i == 0 {
			// The duplicate is a copy of the frame as sent, so only the
			// first copy carries the flipped bit.
			bit := p.rng.IntN(n * 8)
			buf[bit/8] ^= 1 << (bit % 8)
			p.c.Corrupted++
		}
		if at > now {
			p.c.Delayed++
		}
		p.h.push(item{at: at, seq: p.seq, idx: idx})
		p.seq++
	}
}

// geLose advances the Gilbert-Elliott chain by one frame and reports
// whether the frame is lost: the loss is drawn in the current state, then
// the state moves.
func (p *pipe) geLose() bool {
	g := p.d.GE
	var lost bool
	if p.bad {
		lost = p.rng.Float64() >= g.H
		if p.rng.Float64() < g.R {
			p.bad = false
		}
	} else {
		lost = p.rng.Float64() >= g.K
		if p.rng.Float64() < g.P {
			p.bad = true
		}
	}
	return lost
}

// release returns when a frame of n bytes offered at now leaves, or false
// if the bottleneck queue has no room for it.
func (p *pipe) release(now int64, n int) (int64, bool) {
	at := now
	if p.d.Rate > 0 {
		// The token bucket as a virtual schedule (the Generic Cell Rate
		// Algorithm, ITU-T I.371): each frame moves tat on by its
		// transmission time; it may leave once tat is within tau (the
		// burst, in time) of now.
		tau := int64(float64(p.d.Burst) * 8e9 / float64(p.d.Rate))
		start := max(now, p.tat)
		// Bytes waiting for tokens at now.
		backlog := float64(start-tau-now) * float64(p.d.Rate) / 8e9
		if backlog+float64(n) > float64(p.d.QueueBytes) {
			return 0, false
		}
		p.tat = start + int64(math.Round(float64(n)*8e9/float64(p.d.Rate)))
		at = max(now, p.tat-tau)
	}
	delay := int64(p.d.Delay)
	if j := int64(p.d.Jitter); j > 0 {
		switch p.d.Dist {
		case Normal:
			x := max(-3, min(3, p.rng.NormFloat64()))
			delay += int64(x * float64(j))
		default:
			delay += p.rng.Int64N(2*j+1) - j
		}
	}
	// Keep frames in order even when jitter would swap them: a frame
	// leaves no earlier than the one before it.
	at = max(at+max(0, delay), p.lastRelease)
	if p.d.Reorder > 0 && p.rng.Float64() < p.d.Reorder {
		// Held back behind its place in line, so later frames overtake
		// it; the line itself does not move for it.
		p.c.Reordered++
		return at + int64(p.d.ReorderGap), true
	}
	p.lastRelease = at
	return at, true
}

// take returns a free buffer, allocating one while below the limit.
func (p *pipe) take() (int32, bool) {
	if n := len(p.free); n > 0 {
		idx := p.free[n-1]
		p.free = p.free[:n-1]
		return idx, true
	}
	if len(p.slab) >= p.d.Limit {
		return 0, false
	}
	p.slab = append(p.slab, make([]byte, p.bufSize))
	p.meta = append(p.meta, slotMeta{})
	return int32(len(p.slab) - 1), true
}

// give returns a buffer to the free list.
func (p *pipe) give(idx int32) { p.free = append(p.free, idx) }

// frame returns the frame held in buffer idx.
func (p *pipe) frame(idx int32) nic.Frame {
	m := p.meta[idx]
	return nic.Frame{Data: p.slab[idx][:m.n], Offload: m.off}
}

// pop removes and returns the earliest frame due by now.
func (p *pipe) pop(now int64) (int32, bool) {
	if len(p.h) == 0 || p.h[0].at > now {
		return 0, false
	}
	it := p.h.pop()
	p.c.Passed++
	return it.idx, true
}

// next returns the release time of the earliest held frame.
func (p *pipe) next() (int64, bool) {
	if len(p.h) == 0 {
		return 0, false
	}
	return p.h[0].at, true
}

func (p *pipe) counters() Counters {
	c := p.c
	c.Held = uint64(len(p.h))
	return c
}
