package latency

import (
	"math/bits"
	"time"
)

// Hist is a log-linear histogram of durations: values are bucketed by
// their power of two and the next subBits bits below it, so each bucket
// spans at most 1/2^subBits of its value. Fixed size; no allocation per
// sample.
type Hist struct {
	counts   [64 << subBits]uint64
	n        uint64
	sum      float64
	min, max time.Duration
}

const subBits = 6

func bucketOf(d time.Duration) int {
	v := uint64(max(d, 0))
	if v < 1<<subBits {
		return int(v) // exact for tiny values
	}
	exp := 63 - bits.LeadingZeros64(v) // >= subBits
	sub := (v >> (exp - subBits)) & (1<<subBits - 1)
	return (exp-subBits+1)<<subBits | int(sub)
}

// bucketRange returns the values [lo, hi) a bucket holds.
func bucketRange(i int) (lo, hi time.Duration) {
	if i < 1<<subBits {
		return time.Duration(i), time.Duration(i + 1)
	}
	exp := i>>subBits + subBits - 1
	sub := uint64(i & (1<<subBits - 1))
	l := (1<<subBits | sub) << (exp - subBits)
	return time.Duration(l), time.Duration(l + 1<<(exp-subBits))
}

// Add records one sample.
func (h *Hist) Add(d time.Duration) {
	if h.n == 0 || d < h.min {
		h.min = d
	}
	if d > h.max {
		h.max = d
	}
	h.n++
	h.sum += float64(d)
	h.counts[bucketOf(d)]++
}

// Count, Min, Max and Mean of the samples.
func (h *Hist) Count() uint64      { return h.n }
func (h *Hist) Min() time.Duration { return h.min }
func (h *Hist) Max() time.Duration { return h.max }
func (h *Hist) Mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return time.Duration(h.sum / float64(h.n))
}

// Quantile returns the q-quantile (0 <= q <= 1): the middle of the bucket
// holding the sample of rank ceil(q*n), clamped to [min, max].
func (h *Hist) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(q*float64(h.n) + 0.999999999)
	rank = min(max(rank, 1), h.n)
	switch rank { // the extremes are known exactly
	case 1:
		return h.min
	case h.n:
		return h.max
	}
	var seen uint64
	for i, c := range h.counts {
		if c == 0 {
			continue
		}
		seen += c
		if seen >= rank {
			lo, hi := bucketRange(i)
			return min(max(lo+(hi-lo)/2, h.min), h.max)
		}
	}
	return h.max
}

// Bin is one row of a coarse histogram for display.
type Bin struct {
	Below time.Duration `json:"-"`
	LeUS  float64       `json:"le_us"` // upper bound in microseconds
	Count uint64        `json:"count"`
}

// Bins folds the histogram into 1-2-5 steps per decade, from the first
// non-empty to the last.
func (h *Hist) Bins() []Bin {
	var bounds []time.Duration
	for d := time.Duration(100); d <= 100*time.Second; d *= 10 {
		bounds = append(bounds, d, 2*d, 5*d)
	}
	out := make([]Bin, len(bounds)+1)
	for i, b := range bounds {
		out[i].Below = b
	}
	out[len(bounds)].Below = 1<<63 - 1
	for i, c := range h.counts {
		if c == 0 {
			continue
		}
		lo, _ := bucketRange(i)
		j := 0
		for j < len(bounds) && lo >= bounds[j] {
			j++
		}
		out[j].Count += c
	}
	first, last := -1, -1
	for i, b := range out {
		if b.Count > 0 {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		return nil
	}
	out = out[first : last+1]
	for i := range out {
		out[i].LeUS = float64(out[i].Below) / 1e3
	}
	return out
}
