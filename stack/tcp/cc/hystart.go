package cc

import (
	"math"
	"time"
)

// HyStart++ constants, RFC 9406 §4.3.
const (
	hsMinRTTThresh    = 4 * time.Millisecond
	hsMaxRTTThresh    = 16 * time.Millisecond
	hsMinRTTDivisor   = 8
	hsNRTTSample      = 8
	hsCSSGrowthDiv    = 4
	hsCSSRounds       = 5
	hsUnpacedLimitSeg = 8 // L for a non-paced sender; infinite when paced
	noRTT             = time.Duration(math.MaxInt64)
)

// hyStart is HyStart++ (RFC 9406): slow start that leaves early, into
// Conservative Slow Start (CSS), when the round's minimum RTT rises by a
// threshold, and goes on to congestion avoidance after CSS_ROUNDS rounds
// of CSS unless the RTT falls back (a spurious exit).
//
// Rounds are counted by roundCounter from the ACKs themselves (see
// round.go), so the sender needs no sequence-number marker. As RFC 9406
// §4.2 recommends, it runs for the initial slow start only: a congestion
// event ends it for the life of the connection.
type hyStart struct {
	done              bool // a congestion event or the end of CSS: plain slow start from now on
	inCSS             bool
	cssRounds         int
	sampleCount       int
	lastRoundMinRTT   time.Duration
	currentRoundMin   time.Duration
	cssBaselineMinRTT time.Duration
	cssAcc            int // growth bytes not yet applied (CSS divides by 4)
	rounds            roundCounter
}

func (h *hyStart) init() {
	*h = hyStart{lastRoundMinRTT: noRTT, currentRoundMin: noRTT, cssBaselineMinRTT: noRTT}
}

// slowStart grows cwnd for one ACK in slow start (cwnd < ssthresh) and
// may end slow start by setting ssthresh to cwnd.
func (h *hyStart) slowStart(s *Sender, a *Ack) {
	m := mss(s)
	if h.rounds.onAck(a) {
		// RFC 9406 §4.2: at the start of each round.
		h.lastRoundMinRTT = h.currentRoundMin
		h.currentRoundMin = noRTT
		h.sampleCount = 0
		if h.inCSS {
			h.cssRounds++
			if h.cssRounds >= hsCSSRounds {
				// "If CSS_ROUNDS rounds are complete, enter congestion
				// avoidance by setting the ssthresh to the current cwnd."
				s.Ssthresh = s.Cwnd
				h.inCSS = false
				h.done = true
				clampCwnd(s)
				return
			}
		}
	}
	if a.RTT > 0 {
		h.currentRoundMin = min(h.currentRoundMin, a.RTT)
		h.sampleCount++
	}

	// cwnd = cwnd + min(N, L * SMSS), divided by CSS_GROWTH_DIVISOR in CSS.
	inc := max(a.Acked, 0)
	if s.PacingRate == 0 {
		inc = min(inc, hsUnpacedLimitSeg*m)
	}
	if h.inCSS {
		h.cssAcc += inc
		inc = h.cssAcc / hsCSSGrowthDiv
		h.cssAcc -= inc * hsCSSGrowthDiv
	}
	s.Cwnd += inc
	clampCwnd(s)

	if h.sampleCount < hsNRTTSample || h.currentRoundMin == noRTT {
		return
	}
	if !h.inCSS {
		if h.lastRoundMinRTT == noRTT {
			return
		}
		// RttThresh = max(MIN_RTT_THRESH, min(lastRoundMinRTT /
		// MIN_RTT_DIVISOR, MAX_RTT_THRESH)).
		thresh := max(hsMinRTTThresh, min(h.lastRoundMinRTT/hsMinRTTDivisor, hsMaxRTTThresh))
		if h.currentRoundMin >= h.lastRoundMinRTT+thresh {
			h.cssBaselineMinRTT = h.currentRoundMin
			h.inCSS = true
			h.cssRounds = 0
			h.cssAcc = 0
		}
		return
	}
	if h.currentRoundMin < h.cssBaselineMinRTT {
		// The delay increase was not congestion: resume slow start.
		h.cssBaselineMinRTT = noRTT
		h.inCSS = false
	}
}

// congestion ends HyStart++: RFC 9406 §4.2, loss or ECN in slow start or
// CSS means congestion avoidance, and §4.3 keeps later slow starts plain.
func (h *hyStart) congestion() {
	h.inCSS = false
	h.done = true
}
