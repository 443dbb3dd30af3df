// Package cc holds tcpbox's congestion-control algorithms behind one
// interface. An algorithm does no I/O and reads no clock: the TCP sender
// calls it with the time and what an ACK or a loss told it, and the
// algorithm moves the congestion window (and, for rate-based algorithms,
// the pacing rate) in the Sender it is given.
//
// Loss detection and recovery (SACK scoreboard, RACK-TLP, PRR) live in the
// TCP sender; an algorithm only hears of their outcome through OnEvent.
package cc

import "time"

// Sender is the state shared between the TCP sender and its algorithm. The
// sender owns it and keeps InFlight, MSS, SRTT and MinRTT current; the
// algorithm writes Cwnd, Ssthresh and PacingRate.
type Sender struct {
	MSS        int    // sender MSS in bytes (payload per full segment)
	Cwnd       int    // congestion window in bytes
	Ssthresh   int    // slow-start threshold in bytes
	InFlight   int    // bytes sent and not yet acknowledged or marked lost
	PacingRate uint64 // bytes per second; 0 means do not pace
	InRecovery bool   // fast recovery (or loss recovery after an RTO) is under way

	SRTT, MinRTT time.Duration

	// AppLimited is set by the sender when the application, not cwnd,
	// limited the last flight (RFC 7661 / delivery-rate estimation).
	AppLimited bool
}

// InitialSsthresh is "arbitrarily high" (RFC 5681 §3.1).
const InitialSsthresh = 1 << 30

// Ack describes what one incoming ACK did.
type Ack struct {
	Now           time.Duration // monotonic time of the stack's clock
	Acked         int           // bytes newly acknowledged cumulatively
	Sacked        int           // bytes newly selectively acknowledged
	PriorInFlight int           // InFlight before this ACK
	RTT           time.Duration // RTT sample from this ACK, 0 if none (Karn)
	Rate          RateSample    // delivery-rate sample, Valid=false if none
}

// RateSample is one delivery-rate sample (draft-cheng-iccrg-delivery-rate-estimation).
type RateSample struct {
	Valid          bool
	Delivered      int64         // bytes delivered over Interval
	Interval       time.Duration // max(send interval, ack interval)
	RTT            time.Duration // RTT of the most recently delivered packet
	AppLimited     bool
	PriorDelivered int64 // total delivered when the sampled packet was sent
	Losses         int64 // bytes marked lost by this ACK
}

// Rate returns the sample's delivery rate in bytes per second.
func (r RateSample) Rate() uint64 {
	if !r.Valid || r.Interval <= 0 {
		return 0
	}
	return uint64(float64(r.Delivered) / r.Interval.Seconds())
}

// Event is a congestion signal or a change of the sender's recovery state.
type Event uint8

const (
	EventInvalid      Event = iota
	EventFastRecovery       // loss detected by duplicate ACKs, SACK or RACK: entering recovery (RFC 5681 §3.2)
	EventRecoveryExit       // recovery finished: the recovery point was acknowledged
	EventRTO                // the retransmission timer expired (RFC 5681 §3.1, RFC 6298 §5.5)
	EventECE                // the peer echoed congestion experienced (RFC 3168 §6.1.2)
	EventUndo               // the last reduction was spurious (D-SACK, F-RTO, timestamps): restore
	EventIdleRestart        // sending restarts after an idle period longer than the RTO (RFC 5681 §4.1)
)

// Algorithm is one congestion controller, owned by one connection.
type Algorithm interface {
	// Name is the name users select it by ("reno", "newreno", "cubic", "bbr", "fixed").
	Name() string
	// Init sets the initial window and threshold; s.MSS is set.
	Init(s *Sender, now time.Duration)
	// OnAck is called for every ACK that acknowledges or SACKs new data.
	OnAck(s *Sender, a *Ack)
	// OnEvent is called on congestion signals and recovery transitions.
	OnEvent(s *Sender, ev Event, now time.Duration)
}

// Reno is RFC 5681 congestion control: slow start, congestion avoidance
// with appropriate byte counting (RFC 3465, L=2), and halving on loss.
// During recovery the sender sizes the window itself (fast recovery or
// PRR); Reno only sets the threshold and the window left after recovery.
type Reno struct {
	InitialWindow int // segments; 0 means 10 (RFC 6928)
	acc           int // bytes acknowledged toward the next increase in congestion avoidance
	priorCwnd     int
	priorSsthresh int
}

func (r *Reno) Name() string { return "reno" }

func (r *Reno) Init(s *Sender, now time.Duration) {
	iw := r.InitialWindow
	if iw <= 0 {
		iw = 10
	}
	s.Cwnd = iw * s.MSS
	s.Ssthresh = InitialSsthresh
}

func (r *Reno) OnAck(s *Sender, a *Ack) {
	if s.InRecovery || a.Acked <= 0 {
		return
	}
	if s.Cwnd < s.Ssthresh {
		// RFC 5681 §3.1 with RFC 3465: grow by the bytes acked, at most
		// 2*SMSS per ACK.
		inc := a.Acked
		if inc > 2*s.MSS {
			inc = 2 * s.MSS
		}
		s.Cwnd += inc
		return
	}
	// Congestion avoidance: one SMSS per window of acknowledged bytes.
	r.acc += a.Acked
	if r.acc >= s.Cwnd {
		r.acc -= s.Cwnd
		s.Cwnd += s.MSS
	}
}

func (r *Reno) OnEvent(s *Sender, ev Event, now time.Duration) {
	switch ev {
	case EventFastRecovery, EventECE:
		r.priorCwnd, r.priorSsthresh = s.Cwnd, s.Ssthresh
		// RFC 5681 (4): ssthresh = max(FlightSize/2, 2*SMSS).
		s.Ssthresh = max(s.InFlight/2, 2*s.MSS)
		s.Cwnd = s.Ssthresh
		r.acc = 0
	case EventRTO:
		r.priorCwnd, r.priorSsthresh = s.Cwnd, s.Ssthresh
		s.Ssthresh = max(s.InFlight/2, 2*s.MSS)
		s.Cwnd = s.MSS // loss window, RFC 5681 §3.1
		r.acc = 0
	case EventRecoveryExit:
		s.Cwnd = s.Ssthresh
	case EventUndo:
		if r.priorCwnd > 0 {
			s.Cwnd, s.Ssthresh = max(s.Cwnd, r.priorCwnd), max(s.Ssthresh, r.priorSsthresh)
		}
	case EventIdleRestart:
		iw := r.InitialWindow
		if iw <= 0 {
			iw = 10
		}
		s.Cwnd = min(s.Cwnd, iw*s.MSS) // RFC 5681 §4.1: restart window
	}
}

var _ Algorithm = (*Reno)(nil)
