package cc

import (
	"math"
	"time"
)

// CUBIC constants, RFC 9438 §5.
const (
	cubicC    = 0.4 // segments per second cubed (§5.1)
	cubicBeta = 0.7 // multiplicative decrease factor (§4.6)
	// α_cubic = 3(1-β)/(1+β) keeps the Reno-friendly estimate as fast as
	// Reno on average (§4.3).
	cubicAlpha = 3 * (1 - cubicBeta) / (1 + cubicBeta)
)

// Cubic is CUBIC congestion control (RFC 9438) with HyStart++ (RFC 9406)
// in the initial slow start unless NoHyStart is set.
//
// In congestion avoidance the window follows W_cubic(t) = C(t-K)^3 + W_max
// (§4.2) toward the target W_cubic(t+RTT), clamped to [cwnd, 1.5 cwnd],
// below W_max (concave, §4.4) and above it (convex, §4.5), and never
// falls behind the Reno-friendly estimate W_est (§4.3). On loss or ECE,
// ssthresh = FlightSize*β and W_max is remembered, lowered by fast
// convergence when the window had not regained the previous W_max (§4.6,
// §4.7). Windows are computed in float64 segments and clamped before
// conversion, so multi-gigabyte windows and epochs of days cannot
// overflow.
type Cubic struct {
	InitialWindow     int  // segments; 0 means 10 (RFC 6928)
	NoHyStart         bool // plain RFC 5681 slow start
	NoFastConvergence bool // disable §4.7 fast convergence (on by default, a SHOULD)
	hs                hyStart
	epochOn           bool          // a congestion-avoidance epoch is running
	epochStart        time.Duration // t = 0 of W_cubic
	lastAck           time.Duration // time of the last ACK in the epoch
	k                 float64       // seconds, §4.2 (2)
	wMax              float64       // segments, the window before the last reduction
	cwndEpoch         float64       // segments at the start of the epoch
	wEst              float64       // segments, the Reno-friendly estimate
	cwndPrior         float64       // segments, cwnd when ssthresh was last set
	acc               float64       // growth in bytes not yet applied
	afterRTO          bool          // the next epoch is the first after a timeout (§4.8)
	rtoBackoff        bool          // RFC 5681 §3.1: hold ssthresh on repeated RTOs
	region            string        // for Phase
	saved             cubicSaved    // for EventUndo (§4.9)
}

type cubicSaved struct {
	valid              bool
	cwnd, ssthresh     int
	wMax, cwndPrior, k float64
}

func (c *Cubic) Name() string { return "cubic" }

func (c *Cubic) Init(s *Sender, now time.Duration) {
	*c = Cubic{InitialWindow: c.InitialWindow, NoHyStart: c.NoHyStart, NoFastConvergence: c.NoFastConvergence}
	c.hs.init()
	if c.NoHyStart {
		c.hs.done = true
	}
	s.Cwnd = initialWindow(s, c.InitialWindow)
	s.Ssthresh = InitialSsthresh
}

// wCubic is RFC 9438 §4.2 (1) in segments at t seconds into the epoch.
func (c *Cubic) wCubic(t float64) float64 {
	d := t - c.k
	return cubicC*d*d*d + c.wMax
}

func (c *Cubic) OnAck(s *Sender, a *Ack) {
	if a.Acked <= 0 {
		return
	}
	c.rtoBackoff = false
	if s.InRecovery {
		return // the sender sizes the window during recovery
	}
	limited := s.CwndLimited() // §5.8; see validate.go
	if s.Cwnd < s.Ssthresh {
		if !limited {
			return
		}
		c.epochOn = false
		if !c.hs.done {
			c.hs.slowStart(s, a) // §4.10: HyStart++ in slow start
		} else {
			var acc int
			renoGrow(s, &acc, a.Acked)
		}
		return
	}
	m := float64(mss(s))
	cwnd := float64(s.Cwnd) / m
	if !c.epochOn {
		c.startEpoch(a.Now, cwnd)
	}
	if !limited || s.AppLimited {
		// §5.8: an application-limited flow does not grow the window,
		// and the time it spends so is not part of t. It is limited
		// when its window went unused over the last window (CwndLimited)
		// or is going unused now (AppLimited).
		if d := a.Now - c.lastAck; d > 0 {
			c.epochStart += d
		}
		c.lastAck = a.Now
		return
	}
	c.lastAck = a.Now
	t := max((a.Now - c.epochStart).Seconds(), 0)
	rtt := s.SRTT
	if rtt <= 0 {
		rtt = a.RTT
	}
	maxSeg := float64(MaxCwnd) / m

	// §4.3: W_est grows by α_cubic segments per window acknowledged, and
	// by one once it has passed the window of the last reduction.
	alpha := cubicAlpha
	if c.wEst >= c.cwndPrior {
		alpha = 1
	}
	c.wEst = min(c.wEst+alpha*(float64(a.Acked)/m)/cwnd, maxSeg)

	if c.wCubic(t) < c.wEst {
		// Reno-friendly region: cwnd = W_est (never shrinking here).
		c.region = "reno_friendly"
		if w := c.wEst * m; w > float64(s.Cwnd) {
			s.Cwnd = int(w)
		}
		clampCwnd(s)
		return
	}
	if cwnd < c.wMax {
		c.region = "concave" // §4.4
	} else {
		c.region = "convex" // §4.5
	}
	// §4.2: target = W_cubic(t+RTT) clamped to [cwnd, 1.5*cwnd]; each
	// acknowledged segment adds (target - cwnd)/cwnd segments.
	target := c.wCubic(t + rtt.Seconds())
	target = min(max(target, cwnd), 1.5*cwnd, maxSeg)
	c.acc += (target - cwnd) * float64(a.Acked) / cwnd
	if c.acc >= 1 {
		inc := math.Floor(min(c.acc, float64(MaxCwnd)))
		c.acc -= inc
		s.Cwnd += int(inc)
	}
	clampCwnd(s)
}

// startEpoch begins a congestion-avoidance stage (§4.2): K from W_max and
// the window now, or K = 0 and W_max = cwnd after a timeout (§4.8) or when
// the window is already above W_max (leaving slow start without loss).
func (c *Cubic) startEpoch(now time.Duration, cwnd float64) {
	c.epochOn = true
	c.epochStart = now
	c.lastAck = now
	c.cwndEpoch = cwnd
	c.wEst = cwnd
	c.acc = 0
	if c.afterRTO || c.wMax <= cwnd {
		c.wMax = cwnd
		c.k = 0
		c.afterRTO = false
		return
	}
	c.k = math.Cbrt((c.wMax - cwnd) / cubicC)
}

func (c *Cubic) save(s *Sender) {
	c.saved = cubicSaved{true, s.Cwnd, s.Ssthresh, c.wMax, c.cwndPrior, c.k}
}

// reduce is §4.6 with §4.7: remember W_max and set ssthresh =
// FlightSize*β, at least 2 segments.
func (c *Cubic) reduce(s *Sender) {
	m := float64(mss(s))
	cwnd := float64(s.Cwnd) / m
	if cwnd < c.wMax && !c.NoFastConvergence {
		c.wMax = cwnd * (1 + cubicBeta) / 2
	} else {
		c.wMax = cwnd
	}
	c.cwndPrior = cwnd
	ss := float64(max(s.InFlight, 0)) * cubicBeta
	s.Ssthresh = max(int(min(ss, float64(MaxCwnd))), 2*mss(s))
	c.epochOn = false
	c.hs.congestion()
}

func (c *Cubic) OnEvent(s *Sender, ev Event, now time.Duration) {
	switch ev {
	case EventFastRecovery, EventECE:
		c.save(s)
		c.reduce(s)
		s.Cwnd = s.Ssthresh
	case EventRTO:
		// §4.8: Reno's loss window, but ssthresh by β; the next epoch
		// starts with K = 0 and W_max = cwnd.
		if !c.rtoBackoff {
			c.save(s)
			c.reduce(s)
		}
		c.rtoBackoff = true
		c.afterRTO = true
		c.epochOn = false
		c.hs.congestion()
		s.Cwnd = mss(s)
	case EventRecoveryExit:
		s.Cwnd = s.Ssthresh
		c.epochOn = false
	case EventUndo:
		// §4.9: a spurious reduction restores cwnd, ssthresh, cwnd_prior
		// and W_max.
		if c.saved.valid {
			s.Cwnd, s.Ssthresh = max(s.Cwnd, c.saved.cwnd), max(s.Ssthresh, c.saved.ssthresh)
			c.wMax, c.cwndPrior, c.k = c.saved.wMax, c.saved.cwndPrior, c.saved.k
			c.afterRTO = false
			c.epochOn = false
			c.saved.valid = false
		}
	case EventIdleRestart:
		s.Cwnd = min(s.Cwnd, initialWindow(s, c.InitialWindow))
		c.epochOn = false
	}
	clampCwnd(s)
}

func (c *Cubic) Phase(s *Sender) string {
	switch {
	case s.InRecovery:
		return "recovery"
	case s.Cwnd < s.Ssthresh && c.hs.inCSS:
		return "css"
	case s.Cwnd < s.Ssthresh:
		return "slow_start"
	case c.region != "":
		return c.region
	}
	return "congestion_avoidance"
}

var _ Algorithm = (*Cubic)(nil)
