// The contract between the TCP sender and its congestion controller.

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
	// limited the last flight (RFC 7661 / delivery-rate estimation). It
	// describes one moment; whether to grow the window is CwndLimited's
	// question.
	AppLimited bool

	// Congestion-window validation (validate.go): the sender keeps these
	// after each pass that sends new data, as Linux's tcp_cwnd_validate
	// keeps is_cwnd_limited and max_packets_out; algorithms ask
	// CwndLimited before they grow Cwnd.
	//
	// CwndFull: the flight filled Cwnd at some transmission in the
	// current window (a window ends when what was outstanding at its
	// start is acknowledged). MaxFlight: the most bytes outstanding
	// after a transmission in the current window; 0 means the sender
	// does not measure, and CwndLimited then always allows growth.
	CwndFull  bool
	MaxFlight int
}

// InitialSsthresh is "arbitrarily high" (RFC 5681 §3.1).
const InitialSsthresh = 1 << 30

// Ack describes what one incoming ACK did. The sender should keep one Ack
// in its connection state and reuse it: a pointer to a fresh stack value
// passed through the Algorithm interface escapes and costs an allocation
// per ACK.
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
	RTT            time.Duration // RTT of the most recently delivered packet; 0 if it was retransmitted (Karn, RFC 6298 §3)
	AppLimited     bool
	PriorDelivered int64 // total delivered when the sampled packet was sent
	Losses         int64 // bytes marked lost by this ACK

	// DeliveredTotal is the connection's total delivered bytes after this
	// ACK (C.delivered). Algorithms count rounds with it: a round ends when
	// a packet sent after the round began is delivered, that is when
	// PriorDelivered reaches the DeliveredTotal noted at the round's start.
	// Added after the first contract; 0 means unknown.
	DeliveredTotal int64
}

// Rate returns the sample's delivery rate in bytes per second.
func (r RateSample) Rate() uint64 {
	if !r.Valid || r.Interval <= 0 || r.Delivered <= 0 {
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
