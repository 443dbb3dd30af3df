package cc

import "time"

// Optional interfaces: additions to the contract of cc.go that an
// algorithm may implement and a sender may use with a type assertion.

// DupAcker is implemented by algorithms that size the window during
// duplicate-ACK recovery themselves: NewReno (RFC 6582 §3.2 step 4
// inflation, step 5 deflation in OnAck), BBR (packet conservation) and
// Fixed (no change). A sender calls OnDupAck for each duplicate ACK during
// recovery and then applies none of RFC 5681 §3.2's inflation (steps 3-4)
// or deflation itself; for algorithms without it (Reno, CUBIC), the sender
// does that arithmetic around ssthresh. A sender that sizes recovery with
// RFC 6675 pipe or PRR (RFC 6937) need not call it.
type DupAcker interface {
	OnDupAck(s *Sender, now time.Duration)
}

// Phaser is implemented by algorithms that can name their current phase
// for the admin page and traces ("slow_start", "css", "probe_bw", ...).
type Phaser interface {
	Phase(s *Sender) string
}

// PhaseOf names the phase a is in: its own name for it if it has one,
// otherwise the RFC 5681 phase the window implies.
func PhaseOf(a Algorithm, s *Sender) string {
	if p, ok := a.(Phaser); ok {
		return p.Phase(s)
	}
	return windowPhase(s)
}

// windowPhase is the RFC 5681 phase: recovery, slow start (cwnd <
// ssthresh, §3.1) or congestion avoidance.
func windowPhase(s *Sender) string {
	switch {
	case s.InRecovery:
		return "recovery"
	case s.Cwnd < s.Ssthresh:
		return "slow_start"
	default:
		return "congestion_avoidance"
	}
}

// Quantizer is implemented by algorithms that choose how many bytes may
// leave back to back at the pacing rate (BBR's send_quantum); a sender
// that paces sets Pacer.Burst from it after each call into the algorithm.
type Quantizer interface {
	SendQuantum(s *Sender) int
}

// SelfPacer is implemented by algorithms that set Sender.PacingRate
// themselves (BBR, whose model is a rate). For the others a sender that
// paces derives the rate from the window (WindowPacingRate), as Linux
// does for algorithms without cong_control.
type SelfPacer interface {
	SelfPaced()
}
