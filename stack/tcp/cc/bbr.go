package cc

import "time"

// BBR v1 constants, draft-cardwell-iccrg-bbr-congestion-control-00 §4.
const (
	bbrHighGain         = 2.885 // 2/ln(2): doubles the delivery rate each round in Startup
	bbrCwndGain         = 2.0   // ProbeBW's cwnd gain
	bbrBtlBwFilterLen   = 10    // rounds
	bbrRTpropFilterLen  = 10 * time.Second
	bbrProbeRTTDuration = 200 * time.Millisecond
	bbrMinPipeSegs      = 4
	bbrGainCycleLen     = 8
	bbrFullBwThresh     = 1.25 // Startup continues while bandwidth grows by 25% per round
	bbrFullBwCount      = 3    // rounds without that growth that fill the pipe
	bbrMaxRate          = 1 << 50
)

// bbrPacingGains is the ProbeBW gain cycle (§4.3.4.3): probe at 5/4,
// drain the probe's queue at 3/4, cruise at 1 for six phases.
var bbrPacingGains = [bbrGainCycleLen]float64{5.0 / 4, 3.0 / 4, 1, 1, 1, 1, 1, 1}

type bbrState uint8

const (
	bbrInvalid bbrState = iota
	bbrStartup
	bbrDrain
	bbrProbeBW
	bbrProbeRTT
)

var bbrStateNames = [...]string{"invalid", "startup", "drain", "probe_bw", "probe_rtt"}

// BBR is BBR v1 as published in draft-cardwell-iccrg-bbr-congestion-
// control-00: a model of the path's bottleneck bandwidth (BtlBw, the
// windowed maximum delivery rate over 10 rounds) and round-trip
// propagation time (RTprop, the minimum RTT over 10 s) sets the pacing
// rate (pacing_gain * BtlBw) and the window (cwnd_gain * BDP plus
// quantisation budget). Its state machine runs Startup (gain 2/ln2) until
// bandwidth stops growing by 25% for three rounds, Drain until the queue
// it built is gone, ProbeBW cycling pacing gains 5/4, 3/4, 1 x6 once per
// RTprop, and ProbeRTT (4 segments for at least 200 ms and a round) when
// RTprop has not been refreshed for 10 s.
//
// It needs delivery-rate samples (Ack.Rate from RateSampler); without
// them it keeps its initial window and pacing rate. App-limited samples
// only raise the estimate. Loss is handled as in the draft: packet
// conservation for the first round of recovery, cwnd reduced by lost
// bytes, the prior window restored when recovery ends. ECN is ignored, as
// in v1. Not implemented: the draft's marking of ProbeRTT as app-limited
// (the sender owns that marking) and TSO autosizing.
type BBR struct {
	InitialWindow int    // segments; 0 means 10 (RFC 6928)
	Seed          uint64 // chooses the first ProbeBW phase; 0 is a fixed default

	state      bbrState
	pacingGain float64
	cwndGain   float64

	btlBw         maxFilter
	rounds        roundCounter
	roundStart    bool
	rtProp        time.Duration
	rtPropStamp   time.Duration
	rtPropExpired bool

	filledPipe  bool
	fullBw      uint64
	fullBwCount int

	cycleIndex int
	cycleStamp time.Duration

	probeRTTDone      time.Duration
	probeRTTDoneSet   bool
	probeRTTRoundDone bool

	priorCwnd          int
	packetConservation bool
	inRecovery         bool
	idleRestart        bool
	delivered          int64 // bytes delivered so far
	lastTotal          int64 // DeliveredTotal of the previous sample
	rng                uint64
}

func (b *BBR) Name() string { return "bbr" }

func (b *BBR) Init(s *Sender, now time.Duration) {
	*b = BBR{InitialWindow: b.InitialWindow, Seed: b.Seed}
	b.rng = b.Seed*0x9e3779b97f4a7c15 + 0x632be59bd9b4e019
	s.Cwnd = initialWindow(s, b.InitialWindow)
	s.Ssthresh = InitialSsthresh
	b.rtProp = noRTT
	if s.SRTT > 0 {
		b.rtProp = s.SRTT
	}
	b.rtPropStamp = now
	b.enterStartup()
	// §4.2.1 BBRInitPacingRate: high_gain * InitialCwnd / (SRTT or 1 ms).
	srtt := s.SRTT
	if srtt <= 0 {
		srtt = time.Millisecond
	}
	s.PacingRate = clampRate(bbrHighGain * float64(s.Cwnd) / srtt.Seconds())
}

func clampRate(r float64) uint64 {
	if !(r > 0) {
		return 0
	}
	return uint64(min(r, bbrMaxRate))
}

// BtlBw returns the bottleneck bandwidth estimate in bytes per second.
func (b *BBR) BtlBw() uint64 { return b.btlBw.get() }

// RTprop returns the round-trip propagation time estimate, 0 if none yet.
func (b *BBR) RTprop() time.Duration {
	if b.rtProp == noRTT {
		return 0
	}
	return b.rtProp
}

func (b *BBR) Phase(s *Sender) string { return bbrStateNames[b.state] }

func (b *BBR) enterStartup() {
	b.state = bbrStartup
	b.pacingGain = bbrHighGain
	b.cwndGain = bbrHighGain
}

func (b *BBR) random(n int) int {
	// xorshift64: deterministic per Seed, no shared state.
	b.rng ^= b.rng << 13
	b.rng ^= b.rng >> 7
	b.rng ^= b.rng << 17
	return int(b.rng % uint64(n))
}

func (b *BBR) enterProbeBW(now time.Duration) {
	b.state = bbrProbeBW
	b.pacingGain = 1
	b.cwndGain = bbrCwndGain
	// §4.3.4.3: start at a random phase other than the 3/4 one.
	b.cycleIndex = bbrGainCycleLen - 1 - b.random(bbrGainCycleLen-1)
	b.advanceCycle(now)
}

func (b *BBR) advanceCycle(now time.Duration) {
	b.cycleStamp = now
	b.cycleIndex = (b.cycleIndex + 1) % bbrGainCycleLen
	b.pacingGain = bbrPacingGains[b.cycleIndex]
}

func (b *BBR) OnAck(s *Sender, a *Ack) {
	if b.inRecovery && !s.InRecovery {
		// The sender left recovery without EventRecoveryExit (after an
		// RTO it may not track loss recovery): stop conserving, and let
		// the window grow back by what is delivered rather than jump.
		b.inRecovery = false
		b.packetConservation = false
	}
	// Bytes newly delivered: from the sampler's total when present (it
	// counts a SACKed-then-acknowledged segment once), else this ACK's.
	acked := max(a.Acked, 0) + max(a.Sacked, 0)
	if t := a.Rate.DeliveredTotal; t > 0 {
		if t > b.lastTotal {
			acked = int(min(t-b.lastTotal, MaxCwnd))
		} else {
			acked = 0
		}
		b.lastTotal = t
	}
	b.delivered += int64(acked)

	b.updateModelAndState(s, a)
	b.setPacingRate(s, b.pacingGain)
	b.setCwnd(s, a, acked)
}

// updateModelAndState is §4.3's per-ACK update.
func (b *BBR) updateModelAndState(s *Sender, a *Ack) {
	// BtlBw (§4.1.1): the round count is the filter's clock.
	b.roundStart = b.rounds.onAck(a)
	if a.Rate.Valid {
		rate := min(a.Rate.Rate(), bbrMaxRate)
		if rate >= b.btlBw.get() || !a.Rate.AppLimited {
			b.btlBw.update(bbrBtlBwFilterLen, b.rounds.count, rate)
		}
	}
	// ProbeBW gain cycling (§4.3.4.3).
	if b.state == bbrProbeBW && b.shouldAdvance(s, a) {
		b.advanceCycle(a.Now)
	}
	// Startup ends when the pipe is full (§4.3.2.2).
	if !b.filledPipe && b.roundStart && !a.Rate.AppLimited {
		bw := b.btlBw.get()
		if float64(bw) >= float64(b.fullBw)*bbrFullBwThresh {
			b.fullBw = bw
			b.fullBwCount = 0
		} else {
			b.fullBwCount++
			if b.fullBwCount >= bbrFullBwCount {
				b.filledPipe = true
			}
		}
	}
	// Drain (§4.3.3).
	if b.state == bbrStartup && b.filledPipe {
		b.state = bbrDrain
		b.pacingGain = 1 / bbrHighGain
		b.cwndGain = bbrHighGain
	}
	if b.state == bbrDrain && s.InFlight <= b.inflight(s, 1) {
		b.enterProbeBW(a.Now)
	}
	// RTprop (§4.1.2). A sample equal to the minimum does not extend its
	// life: as in Linux, a stable path still visits ProbeRTT every 10 s so
	// that flows sharing it converge on the true minimum.
	rtt := a.RTT
	if rtt <= 0 && a.Rate.Valid {
		rtt = a.Rate.RTT
	}
	b.rtPropExpired = a.Now > b.rtPropStamp+bbrRTpropFilterLen
	if rtt > 0 && (rtt < b.rtProp || b.rtPropExpired) {
		b.rtProp = rtt
		b.rtPropStamp = a.Now
	}
	// ProbeRTT (§4.3.5).
	if b.state != bbrProbeRTT && b.rtPropExpired && !b.idleRestart {
		b.state = bbrProbeRTT
		b.pacingGain = 1
		b.cwndGain = 1
		b.saveCwnd(s)
		b.probeRTTDoneSet = false
	}
	if b.state == bbrProbeRTT {
		b.handleProbeRTT(s, a)
	}
	b.idleRestart = false
}

func (b *BBR) shouldAdvance(s *Sender, a *Ack) bool {
	full := a.Now-b.cycleStamp > b.rtProp
	switch {
	case b.pacingGain == 1:
		return full
	case b.pacingGain > 1:
		// Probe until the extra data is in flight, or loss says stop.
		return full && (a.Rate.Losses > 0 || a.PriorInFlight >= b.inflight(s, b.pacingGain))
	default:
		// Drain the probe's queue, but no longer than needed.
		return full || a.PriorInFlight <= b.inflight(s, 1)
	}
}

func (b *BBR) handleProbeRTT(s *Sender, a *Ack) {
	minPipe := bbrMinPipeSegs * mss(s)
	if !b.probeRTTDoneSet && s.InFlight <= minPipe {
		b.probeRTTDone = a.Now + bbrProbeRTTDuration
		b.probeRTTDoneSet = true
		b.probeRTTRoundDone = false
		b.rounds.next = b.rounds.delivered + int64(max(s.InFlight, 1))
		if a.Rate.DeliveredTotal > 0 {
			b.rounds.next = a.Rate.DeliveredTotal
		}
		return
	}
	if b.probeRTTDoneSet {
		if b.roundStart {
			b.probeRTTRoundDone = true
		}
		if b.probeRTTRoundDone && a.Now > b.probeRTTDone {
			b.rtPropStamp = a.Now
			s.Cwnd = max(s.Cwnd, b.priorCwnd)
			if b.filledPipe {
				b.enterProbeBW(a.Now)
			} else {
				b.enterStartup()
			}
		}
	}
}

func (b *BBR) OnEvent(s *Sender, ev Event, now time.Duration) {
	m := mss(s)
	switch ev {
	case EventFastRecovery:
		// §4.2.3.4: packet conservation for one round.
		b.saveCwnd(s)
		b.inRecovery = true
		b.packetConservation = true
		b.rounds.next = b.rounds.delivered + int64(max(s.InFlight, 1))
		if b.lastTotal > 0 {
			b.rounds.next = b.lastTotal
		}
		s.Cwnd = max(s.InFlight+m, bbrMinPipeSegs*m)
	case EventRTO:
		// The draft sets cwnd = packets_in_flight + 1 once the timeout has
		// marked the flight lost: the loss window of one segment.
		b.saveCwnd(s)
		b.inRecovery = true
		b.packetConservation = false
		s.Cwnd = m
	case EventRecoveryExit, EventUndo:
		b.inRecovery = false
		b.packetConservation = false
		s.Cwnd = max(s.Cwnd, b.priorCwnd)
	case EventIdleRestart:
		// §4.3.4.4: restarting from idle in ProbeBW paces at BtlBw.
		b.idleRestart = true
		if b.state == bbrProbeBW {
			b.setPacingRate(s, 1)
		}
	case EventECE:
		// BBR v1 does not respond to ECN.
	}
	if b.state == bbrProbeRTT {
		// §4.2.3.5: nothing lifts the window above the ProbeRTT cap
		// until ProbeRTT ends (it restores the prior window then).
		s.Cwnd = min(s.Cwnd, bbrMinPipeSegs*m)
	}
	clampCwnd(s)
}

// OnDupAck is packet conservation for a sender without SACK (§4.2.3.4):
// a duplicate ACK means a segment left the network, so one may be sent.
func (b *BBR) OnDupAck(s *Sender, now time.Duration) {
	if s.InRecovery {
		s.Cwnd = max(s.Cwnd, s.InFlight+mss(s))
		clampCwnd(s)
	}
}

var (
	_ Algorithm = (*BBR)(nil)
	_ DupAcker  = (*BBR)(nil)
)
