package cc

import "time"

// Reno is RFC 5681 congestion control: slow start, congestion avoidance
// with appropriate byte counting (RFC 3465, L=2), and halving on loss.
// During recovery the sender sizes the window itself (fast recovery or
// PRR); Reno only sets the threshold and the window left after recovery.
// For the NewReno partial-ACK rules of RFC 6582 use NewReno.
type Reno struct {
	InitialWindow int // segments; 0 means 10 (RFC 6928)
	acc           int // bytes acknowledged toward the next increase in congestion avoidance
	priorCwnd     int
	priorSsthresh int
	rtoBackoff    bool // an RTO happened and no new data has been acknowledged since
}

func (r *Reno) Name() string { return "reno" }

func (r *Reno) Init(s *Sender, now time.Duration) {
	*r = Reno{InitialWindow: r.InitialWindow}
	s.Cwnd = initialWindow(s, r.InitialWindow)
	s.Ssthresh = InitialSsthresh
}

func (r *Reno) OnAck(s *Sender, a *Ack) {
	if a.Acked <= 0 {
		return
	}
	r.rtoBackoff = false
	if s.InRecovery || !s.CwndLimited() {
		return // an unused window is not grown (validate.go)
	}
	renoGrow(s, &r.acc, a.Acked)
}

// renoGrow is RFC 5681 §3.1 slow start and congestion avoidance with byte
// counting (RFC 3465 §2.1, limit L = 2*SMSS per ACK in slow start).
func renoGrow(s *Sender, acc *int, acked int) {
	m := mss(s)
	if s.Cwnd < s.Ssthresh {
		s.Cwnd += min(acked, 2*m)
		clampCwnd(s)
		return
	}
	// Congestion avoidance, RFC 5681 (3) done by byte counting: one SMSS
	// per cwnd of acknowledged bytes (RFC 3465 §2.1).
	*acc += min(acked, s.Cwnd)
	if *acc >= s.Cwnd {
		*acc -= s.Cwnd
		s.Cwnd += m
	}
	clampCwnd(s)
}

func (r *Reno) OnEvent(s *Sender, ev Event, now time.Duration) {
	switch ev {
	case EventFastRecovery, EventECE:
		r.priorCwnd, r.priorSsthresh = s.Cwnd, s.Ssthresh
		// RFC 5681 (4): ssthresh = max(FlightSize/2, 2*SMSS).
		s.Ssthresh = halfFlight(s)
		s.Cwnd = s.Ssthresh
		r.acc = 0
	case EventRTO:
		r.priorCwnd, r.priorSsthresh = s.Cwnd, s.Ssthresh
		// RFC 5681 §3.1: when the segment has already been retransmitted
		// by the timer, ssthresh is held constant.
		if !r.rtoBackoff {
			s.Ssthresh = halfFlight(s)
		}
		r.rtoBackoff = true
		s.Cwnd = mss(s) // loss window, RFC 5681 §3.1
		r.acc = 0
	case EventRecoveryExit:
		s.Cwnd = s.Ssthresh
	case EventUndo:
		if r.priorCwnd > 0 {
			s.Cwnd, s.Ssthresh = max(s.Cwnd, r.priorCwnd), max(s.Ssthresh, r.priorSsthresh)
		}
	case EventIdleRestart:
		s.Cwnd = min(s.Cwnd, initialWindow(s, r.InitialWindow)) // RFC 5681 §4.1: restart window
	}
	clampCwnd(s)
}

func (r *Reno) Phase(s *Sender) string { return windowPhase(s) }

var _ Algorithm = (*Reno)(nil)
