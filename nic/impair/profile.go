package impair

import (
	"errors"
	"fmt"
	"time"
)

// Jitter distributions.
type Dist uint8

const (
	distInvalid Dist = iota
	// Uniform draws the jitter uniformly from [-Jitter, +Jitter].
	Uniform
	// Normal draws it from a normal distribution with standard deviation
	// Jitter, truncated to ±3 Jitter so that delays stay bounded.
	Normal
)

// GilbertElliott is the two-state bursty loss model (Gilbert 1960,
// Elliott 1963), in the classic notation also used by netem's gemodel:
// per frame, the state moves Good→Bad with probability P and Bad→Good
// with probability R; a frame is delivered with probability K in the Good
// state and H in the Bad state. Zero value: off. The simple Gilbert model
// is H=0, K=1: mean burst length 1/R, mean loss P/(P+R).
type GilbertElliott struct {
	P, R, H, K float64
}

// Enabled reports whether the model is in use.
func (g GilbertElliott) Enabled() bool { return g != GilbertElliott{} }

// Direction is the impairment of one direction. The zero value passes
// frames unchanged.
type Direction struct {
	Loss   float64        // independent loss probability
	GE     GilbertElliott // bursty loss, applied after Loss
	Delay  time.Duration  // fixed delay
	Jitter time.Duration  // jitter spread (see Dist)
	Dist   Dist           // 0 means Uniform
	// Reorder is the probability that a frame is held back by ReorderGap
	// beyond its normal release, letting later frames overtake it. Without
	// it frames keep their order even when jitter would swap them.
	Reorder    float64
	ReorderGap time.Duration // default 1ms
	Duplicate  float64       // probability a frame is sent twice
	Corrupt    float64       // probability one random bit of a frame is flipped
	// Rate is the bottleneck in bits per second (0: none): a token bucket
	// filled at Rate and Burst bytes deep (0: one frame, so frames leave
	// one serialization time apart), with a drop-tail FIFO of QueueBytes
	// in front for frames waiting for tokens.
	Rate       int64
	Burst      int
	QueueBytes int // default DefaultQueueBytes
	// Limit bounds the frames held in this direction (queued, delayed, or
	// ready for the reader); beyond it frames are dropped (DropLimit).
	// Default DefaultLimit.
	Limit int
}

// Defaults.
const (
	DefaultQueueBytes = 150_000
	DefaultLimit      = 1000
	DefaultReorderGap = time.Millisecond
)

// Profile is the impairment of both directions: TX for frames written to
// the Link, RX for frames read from it.
type Profile struct {
	TX, RX Direction
}

// Active reports whether d changes anything.
func (d Direction) Active() bool { return d != Direction{} }

func (d Direction) withDefaults() Direction {
	if d.Dist == distInvalid {
		d.Dist = Uniform
	}
	if d.ReorderGap == 0 {
		d.ReorderGap = DefaultReorderGap
	}
	if d.QueueBytes == 0 {
		d.QueueBytes = DefaultQueueBytes
	}
	if d.Limit == 0 {
		d.Limit = DefaultLimit
	}
	return d
}

// Validate reports every out-of-range field at once.
func (d Direction) Validate() error {
	var errs []error
	prob := func(name string, v float64) {
		if !(v >= 0 && v <= 1) { // also rejects NaN
			errs = append(errs, fmt.Errorf("%s %v not in [0,1]", name, v))
		}
	}
	prob("loss", d.Loss)
	prob("ge.p", d.GE.P)
	prob("ge.r", d.GE.R)
	prob("ge.h", d.GE.H)
	prob("ge.k", d.GE.K)
	prob("reorder", d.Reorder)
	prob("dup", d.Duplicate)
	prob("corrupt", d.Corrupt)
	nonneg := func(name string, v int64) {
		if v < 0 {
			errs = append(errs, fmt.Errorf("%s %d is negative", name, v))
		}
	}
	nonneg("delay", int64(d.Delay))
	nonneg("jitter", int64(d.Jitter))
	nonneg("reorder gap", int64(d.ReorderGap))
	nonneg("rate", d.Rate)
	nonneg("queue", int64(d.QueueBytes))
	nonneg("burst", int64(d.Burst))
	nonneg("limit", int64(d.Limit))
	if d.Delay > time.Hour || d.Jitter > time.Hour || d.ReorderGap > time.Hour {
		errs = append(errs, errors.New("delays above one hour"))
	}
	if d.Limit > 1_000_000 {
		errs = append(errs, fmt.Errorf("limit %d above 1000000 frames", d.Limit))
	}
	if d.Dist > Normal {
		errs = append(errs, fmt.Errorf("unknown jitter distribution %d", d.Dist))
	}
	return errors.Join(errs...)
}

// Validate checks both directions.
func (p Profile) Validate() error {
	var errs []error
	if err := p.TX.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("tx: %w", err))
	}
	if err := p.RX.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("rx: %w", err))
	}
	return errors.Join(errs...)
}

// String names the distribution as ParseDirection reads it.
func (d Dist) String() string {
	switch d {
	case Uniform:
		return "uniform"
	case Normal:
		return "normal"
	}
	return fmt.Sprintf("Dist(%d)", uint8(d))
}
