package cc

import "time"

// NewReno is RFC 6582: Reno (RFC 5681) whose fast recovery survives
// partial acknowledgments. The sender keeps the recovery point (see
// Recover) and decides whether an ACK is partial or full; NewReno does the
// window arithmetic of RFC 6582 §3.2:
//
//   - entering fast retransmit (EventFastRecovery): ssthresh =
//     max(FlightSize/2, 2*SMSS) and cwnd = ssthresh + 3*SMSS (steps 2-3,
//     RFC 5681 §3.2 steps 2-3);
//   - each further duplicate ACK (OnDupAck): cwnd += SMSS (step 4);
//   - a partial ACK (OnAck while InRecovery): deflate cwnd by the bytes
//     newly acknowledged and add back one SMSS if at least one SMSS was
//     acknowledged (step 5, "partial window deflation");
//   - the full ACK (EventRecoveryExit): cwnd = min(ssthresh,
//     max(FlightSize, SMSS) + SMSS), option (1) of step 5.
//
// A sender that sizes the recovery window with PRR (RFC 6937) overrides
// Cwnd during recovery and need not call OnDupAck; the threshold and the
// exit window are still NewReno's. Outside recovery NewReno is Reno.
type NewReno struct {
	InitialWindow int // segments; 0 means 10 (RFC 6928)
	reno          Reno
	fastRecovery  bool // in the fast recovery of RFC 6582 (not ECE's CWR, not RTO loss recovery)
}

func (n *NewReno) Name() string { return "newreno" }

func (n *NewReno) Init(s *Sender, now time.Duration) {
	*n = NewReno{InitialWindow: n.InitialWindow}
	n.reno.InitialWindow = n.InitialWindow
	n.reno.Init(s, now)
}

func (n *NewReno) OnAck(s *Sender, a *Ack) {
	if s.InRecovery && n.fastRecovery && a.Acked > 0 {
		// RFC 6582 §3.2 step 5, partial acknowledgment.
		m := mss(s)
		c := s.Cwnd - a.Acked
		if a.Acked >= m {
			c += m
		}
		s.Cwnd = c
		n.reno.rtoBackoff = false
		clampCwnd(s)
		return
	}
	n.reno.OnAck(s, a)
}

// OnDupAck is RFC 5681 §3.2 step 4 as kept by RFC 6582 §3.2 step 4: each
// duplicate ACK during fast recovery means a segment left the network.
func (n *NewReno) OnDupAck(s *Sender, now time.Duration) {
	if s.InRecovery && n.fastRecovery {
		s.Cwnd += mss(s)
		clampCwnd(s)
	}
}

func (n *NewReno) OnEvent(s *Sender, ev Event, now time.Duration) {
	switch ev {
	case EventFastRecovery:
		n.reno.OnEvent(s, ev, now)
		n.fastRecovery = true
		// RFC 5681 §3.2 step 3: the three duplicate ACKs left the network.
		s.Cwnd = s.Ssthresh + 3*mss(s)
	case EventRecoveryExit:
		if n.fastRecovery {
			// RFC 6582 §3.2 step 5, full acknowledgment, option (1).
			s.Cwnd = min(s.Ssthresh, max(s.InFlight, mss(s))+mss(s))
		} else {
			n.reno.OnEvent(s, ev, now)
		}
		n.fastRecovery = false
	case EventRTO:
		// RFC 6582 §3.2 step 6: a timeout ends fast recovery.
		n.fastRecovery = false
		n.reno.OnEvent(s, ev, now)
	default:
		n.reno.OnEvent(s, ev, now)
	}
	clampCwnd(s)
}

func (n *NewReno) Phase(s *Sender) string { return windowPhase(s) }

var (
	_ Algorithm = (*NewReno)(nil)
	_ DupAcker  = (*NewReno)(nil)
)

// Recover is the sender's "recover" variable of RFC 6582 §3.2 in 32-bit
// sequence space (the sender passes its sequence numbers as uint32). It
// holds the highest sequence number transmitted when fast retransmit (or a
// timeout) began; comparisons are modulo 2^32 (RFC 9293 §3.4).
type Recover struct {
	point uint32
}

// Init sets recover to the initial send sequence number (RFC 6582 §3.2
// step 1).
func (r *Recover) Init(iss uint32) { r.point = iss }

// Start records recover on entering fast retransmit or on a timeout (RFC
// 6582 §3.2 steps 2 and 6). sndNxt is the next sequence number to send, so
// the highest transmitted is sndNxt-1.
func (r *Recover) Start(sndNxt uint32) { r.point = sndNxt - 1 }

// MayFastRetransmit reports whether three duplicate ACKs carrying the
// cumulative acknowledgment ack may start fast retransmit: only if ack
// covers more than recover (RFC 6582 §3.2 step 2), that is if the highest
// acknowledged byte, ack-1, is beyond recover.
func (r *Recover) MayFastRetransmit(ack uint32) bool {
	return int32(ack-1-r.point) > 0
}

// Full reports whether ack acknowledges all data up to and including
// recover (a full acknowledgment, RFC 6582 §3.2 step 5); otherwise an ACK
// of new data during recovery is partial.
func (r *Recover) Full(ack uint32) bool {
	return int32(ack-r.point) > 0
}

// Point returns recover.
func (r *Recover) Point() uint32 { return r.point }
