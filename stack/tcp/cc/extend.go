package cc

import "time"

// Optional interfaces: additions to the contract of cc.go that an
// algorithm may implement and a sender may use with a type assertion.

// DupAcker is implemented by algorithms that act on duplicate ACKs that
// carry no SACK information (NewReno's window inflation, RFC 6582 §3.2
// step 4). A sender that uses PRR (RFC 6937) or RFC 6675 pipe need not
// call it.
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
