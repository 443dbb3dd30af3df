package tcp

import "time"

// rttEstimator computes the retransmission timeout of RFC 6298 §2.
type rttEstimator struct {
	srtt, rttvar, minRTT time.Duration
	rto                  time.Duration
	minRTO, maxRTO       time.Duration
	valid                bool
}

func (e *rttEstimator) init(initial, minRTO, maxRTO time.Duration) {
	e.rto, e.minRTO, e.maxRTO = initial, minRTO, maxRTO
}

// clockGranularity is G of RFC 6298 §2: our clock is the stack's
// nanosecond clock, but timers fire on a millisecond-ish loop.
const clockGranularity = time.Millisecond

// sample folds in one measurement (RFC 6298 §2.2 and §2.3).
func (e *rttEstimator) sample(r time.Duration) {
	if r <= 0 {
		r = time.Microsecond
	}
	if !e.valid {
		e.srtt, e.rttvar, e.valid = r, r/2, true
		e.minRTT = r
	} else {
		d := e.srtt - r
		if d < 0 {
			d = -d
		}
		// RTTVAR <- (1 - beta) * RTTVAR + beta * |SRTT - R'|, beta = 1/4
		e.rttvar = (3*e.rttvar + d) / 4
		// SRTT <- (1 - alpha) * SRTT + alpha * R', alpha = 1/8
		e.srtt = (7*e.srtt + r) / 8
		e.minRTT = min(e.minRTT, r)
	}
	e.rto = e.srtt + max(clockGranularity, 4*e.rttvar)
	e.rto = min(max(e.rto, e.minRTO), e.maxRTO) // RFC 6298 §2.4, §2.5
}

// backedOff is the RTO after backoff doublings (RFC 6298 §5.5), bounded by
// the maximum.
func (e *rttEstimator) backedOff(backoff int) time.Duration {
	r := e.rto
	for i := 0; i < backoff && r < e.maxRTO; i++ {
		r *= 2
	}
	return min(r, e.maxRTO)
}
