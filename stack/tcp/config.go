package tcp

import (
	"errors"
	"fmt"
	"time"

	"github.com/tcpbox/tcpbox/stack/tcp/cc"
)

// SynCookieMode says when a listener answers a SYN with a SYN cookie
// instead of keeping state (RFC 4987 §3.6).
type SynCookieMode uint8

// SYN cookie modes, after an invalid zero value.
const (
	SynCookiesInvalid    SynCookieMode = iota
	SynCookiesOff                      // never: a full SYN queue drops SYNs
	SynCookiesOnOverflow               // when the SYN queue is full (Linux tcp_syncookies=1)
	SynCookiesAlways                   // for every SYN (Linux tcp_syncookies=2)
)

func (m SynCookieMode) String() string {
	switch m {
	case SynCookiesOff:
		return "off"
	case SynCookiesOnOverflow:
		return "overflow"
	case SynCookiesAlways:
		return "always"
	}
	return "invalid"
}

// Config holds every knob of a connection or listener. Connections keep a
// pointer to it and copy the per-connection settings they may change
// (NoDelay, Cork, buffer sizes) at creation. DefaultConfig gives the
// Linux-like defaults; the glue copies and adjusts one per listener or
// per dial. A Config must not change while connections use it.
type Config struct {
	// ISNKey is the secret of the RFC 6528 ISN hash for connections
	// opened with NewConn; the stack fills it with random bytes once.
	ISNKey [16]byte

	// Buffers, in bytes (Linux tcp_wmem, tcp_rmem, tcp_moderate_rcvbuf).
	SendBuf    int  // initial send buffer size (tcp_wmem[1])
	SendBufMin int  // smallest size SetSendBuffer sets (tcp_wmem[0])
	SendBufMax int  // send autotuning's ceiling (tcp_wmem[2], sendtune.go)
	RecvBuf    int  // initial receive buffer size
	RecvBufMin int  // autotuning floor
	RecvBufMax int  // autotuning ceiling; also sizes the window scale
	Autotune   bool // grow the receive buffer with the measured rate (tcp_moderate_rcvbuf)
	// InitRwnd bounds the window of our SYN or SYN-ACK, and the windows
	// after it until arriving data widens the bound, to this many
	// segments of our MSS (route attribute initrwnd); 0: the buffer alone.
	InitRwnd int

	// Options (RFC 7323, RFC 2018, RFC 2883).
	WindowScaling bool
	WindowShift   int // shift we offer; -1 derives it from RecvBufMax
	Timestamps    bool
	// TSNoOffset sends the plain timestamp clock (milliseconds since the
	// stack started) instead of adding the per-connection keyed offset of
	// RFC 7323 §5.4 and §7.1 (Linux tcp_timestamps=2 against 1).
	TSNoOffset bool
	SACK       bool
	DSACK      bool

	// Segment size (RFC 9293 §3.7.1).
	MTU      int // link MTU; the advertised MSS is MTU-40
	MSSClamp int // upper bound on the MSS we advertise and use; 0: none

	// Retransmission (RFC 6298) and retry limits.
	InitialRTO    time.Duration
	MinRTO        time.Duration
	MaxRTO        time.Duration
	SynRetries    int           // SYN retransmissions before ErrTimeout (tcp_syn_retries)
	SynAckRetries int           // SYN-ACK retransmissions before the SYN queue entry is dropped (tcp_synack_retries)
	DataRetries   int           // retransmissions of one segment before ErrTimeout (tcp_retries2)
	UserTimeout   time.Duration // RFC 5482: give up after data stays unacknowledged this long; 0: off

	// Closing.
	MSL           time.Duration // TIME-WAIT lasts 2*MSL (RFC 9293 §3.4.2)
	FinTimeout    time.Duration // an orphaned FIN-WAIT-2 connection closes after this (tcp_fin_timeout); 0: never
	RFC1337       bool          // ignore RST in TIME-WAIT (RFC 1337 §3, Linux tcp_rfc1337)
	TimeWaitReuse bool          // a SYN may reopen a TIME-WAIT connection (RFC 6191)

	// Sending.
	NoDelay            bool // disable Nagle (TCP_NODELAY)
	Cork               bool // send only full segments (TCP_CORK)
	SlowStartAfterIdle bool // RFC 5681 §4.1 restart window after an idle RTO

	// Pacing spreads a window-based algorithm's window over the RTT
	// (Linux's internal pacing / fq: cwnd/SRTT x2 in slow start, x1.2
	// after); BBR always paces at its own rate. MaxPacingRate (bytes/s,
	// SO_MAX_PACING_RATE) caps either; set, it turns pacing on, as in
	// Linux. 0: no cap.
	Pacing        bool
	MaxPacingRate uint64

	// Acknowledgements (RFC 9293 §3.8.6.3, RFC 5681 §4.2).
	DelayedAck time.Duration // delayed-ACK timer; 0 acknowledges every segment at once
	QuickAcks  int           // segments acknowledged at once at start and after out-of-order data

	// Keepalive (RFC 9293 §3.8.4, RFC 1122 §4.2.3.6).
	KeepAlive    bool
	KeepIdle     time.Duration
	KeepInterval time.Duration
	KeepCount    int

	// Listening.
	Backlog    int // accept queue and SYN queue bound each
	SynCookies SynCookieMode

	// Congestion control.
	Congestion  func() cc.Algorithm // nil: NewReno (RFC 6582)
	InitialCwnd int                 // segments (RFC 6928)

	// Loss recovery with SACK (each needs SACK negotiated): RACK
	// time-based loss detection (RFC 8985 §6; off: RFC 6675's DupThresh
	// rule), tail loss probes (RFC 8985 §7, needs RACK), PRR sizing the
	// window during recovery (RFC 6937; off: the algorithm's own). DSACK
	// above also turns on undo of spurious reductions (RFC 2883 §4.2).
	RACK, TLP, PRR bool
	// Reordering is the initial DupThresh in segments for loss detection
	// without RACK (RFC 6675 §2, RFC 5681 §3.2: 3; Linux
	// tcp_reordering); reordering seen raises it up to 300 (Linux
	// tcp_max_reordering). RACK's reordering window (RFC 8985 §6.2) does
	// not depend on it.
	Reordering int
	// FRTO detects spurious retransmission timeouts and undoes their
	// window reduction (RFC 5682 §4, with SACK).
	FRTO bool

	// ECN negotiates Explicit Congestion Notification (RFC 3168): it
	// accepts a peer's request and, unless ECNPassive, asks on our own
	// SYNs (Linux tcp_ecn=1; with ECNPassive tcp_ecn=2).
	ECN        bool
	ECNPassive bool

	// TracePoints is the size of each connection's congestion trace ring
	// (cc.Trace, sampled per ACK); 0 keeps no trace.
	TracePoints int

	// RFC 5961 §7: challenge ACKs (and ACKs to out-of-window segments)
	// sent per connection per second at most.
	ChallengeAckLimit int
}

// DefaultConfig returns the defaults, modelled on Linux's.
func DefaultConfig() Config {
	return Config{
		SendBuf:            256 << 10,
		SendBufMin:         4 << 10,
		SendBufMax:         1 << 20, // not Linux's 4 MiB: config.DefaultProfile says why
		RecvBuf:            128 << 10,
		RecvBufMin:         4 << 10,
		RecvBufMax:         6 << 20,
		Autotune:           true,
		WindowScaling:      true,
		WindowShift:        -1,
		Timestamps:         true,
		SACK:               true,
		DSACK:              true,
		MTU:                1500,
		InitialRTO:         time.Second,
		MinRTO:             200 * time.Millisecond,
		MaxRTO:             120 * time.Second,
		SynRetries:         6,
		SynAckRetries:      5,
		DataRetries:        15,
		MSL:                30 * time.Second,
		FinTimeout:         60 * time.Second,
		TimeWaitReuse:      true,
		SlowStartAfterIdle: true,
		DelayedAck:         40 * time.Millisecond,
		QuickAcks:          16,
		KeepIdle:           2 * time.Hour,
		KeepInterval:       75 * time.Second,
		KeepCount:          9,
		Backlog:            4096,
		SynCookies:         SynCookiesOnOverflow,
		InitialCwnd:        10,
		RACK:               true,
		TLP:                true,
		PRR:                true,
		FRTO:               true,
		Reordering:         defaultDupThresh,
		ChallengeAckLimit:  100,
	}
}

// Validate reports every problem at once.
func (c *Config) Validate() error {
	var errs []error
	bad := func(field, format string, a ...any) {
		errs = append(errs, fmt.Errorf("tcp: config %s: "+format, append([]any{field}, a...)...))
	}
	if c.SendBufMin < 1 || c.SendBufMax > maxSendBuf || c.SendBufMin > c.SendBufMax {
		bad("SendBufMin/SendBufMax", "[%d, %d] not a range within [1, 1GiB]", c.SendBufMin, c.SendBufMax)
	}
	if c.SendBuf < c.SendBufMin || c.SendBuf > c.SendBufMax {
		bad("SendBuf", "%d not in [SendBufMin, SendBufMax]", c.SendBuf)
	}
	if c.RecvBufMin < 1 || c.RecvBufMax > 1<<30 || c.RecvBufMin > c.RecvBufMax {
		bad("RecvBufMin/RecvBufMax", "[%d, %d] not a range within [1, 1GiB]", c.RecvBufMin, c.RecvBufMax)
	}
	if c.RecvBuf < c.RecvBufMin || c.RecvBuf > c.RecvBufMax {
		bad("RecvBuf", "%d not in [RecvBufMin, RecvBufMax]", c.RecvBuf)
	}
	if c.InitRwnd < 0 || c.InitRwnd > 65535 {
		bad("InitRwnd", "%d not in [0, 65535]", c.InitRwnd)
	}
	if c.WindowShift < -1 || c.WindowShift > 14 {
		bad("WindowShift", "%d not in [-1, 14] (RFC 7323 §2.3)", c.WindowShift)
	}
	if c.MTU < 68 || c.MTU > 65535 {
		bad("MTU", "%d not in [68, 65535]", c.MTU)
	}
	if c.MSSClamp < 0 || (c.MSSClamp > 0 && c.MSSClamp < 64) {
		bad("MSSClamp", "%d must be 0 or at least 64", c.MSSClamp)
	}
	if c.MinRTO <= 0 || c.InitialRTO < c.MinRTO || c.MaxRTO < c.InitialRTO {
		bad("MinRTO/InitialRTO/MaxRTO", "want 0 < %v <= %v <= %v", c.MinRTO, c.InitialRTO, c.MaxRTO)
	}
	if c.SynRetries < 0 || c.SynAckRetries < 0 || c.DataRetries < 0 || c.KeepCount < 0 {
		bad("retries", "counts must not be negative")
	}
	if c.UserTimeout < 0 || c.DelayedAck < 0 || c.FinTimeout < 0 {
		bad("timeouts", "must not be negative")
	}
	if c.MSL <= 0 {
		bad("MSL", "%v must be positive", c.MSL)
	}
	if c.KeepAlive && (c.KeepIdle <= 0 || c.KeepInterval <= 0) {
		bad("KeepIdle/KeepInterval", "must be positive with KeepAlive")
	}
	if c.Backlog < 1 {
		bad("Backlog", "%d must be at least 1", c.Backlog)
	}
	if c.SynCookies < SynCookiesOff || c.SynCookies > SynCookiesAlways {
		bad("SynCookies", "invalid mode %d", c.SynCookies)
	}
	if c.InitialCwnd < 1 || c.InitialCwnd > 1000 {
		bad("InitialCwnd", "%d not in [1, 1000]", c.InitialCwnd)
	}
	if c.Reordering < 1 || c.Reordering > maxReordering {
		bad("Reordering", "%d not in [1, %d]", c.Reordering, maxReordering)
	}
	if c.ChallengeAckLimit < 1 {
		bad("ChallengeAckLimit", "%d must be at least 1", c.ChallengeAckLimit)
	}
	if c.TracePoints < 0 || c.TracePoints > 1<<16 {
		bad("TracePoints", "%d not in [0, 65536]", c.TracePoints)
	}
	if c.QuickAcks < 0 {
		bad("QuickAcks", "%d must not be negative", c.QuickAcks)
	}
	return errors.Join(errs...)
}

// advMSS is the MSS we advertise: the MTU less the IPv4 and TCP fixed
// headers (RFC 9293 §3.7.1, RFC 879), clamped by configuration.
func (c *Config) advMSS() int {
	m := c.MTU - 40
	if c.MSSClamp > 0 && m > c.MSSClamp {
		m = c.MSSClamp
	}
	if m > 65535 {
		m = 65535
	}
	if m < 64 {
		m = 64
	}
	return m
}

// rcvShift is the window scale we offer (RFC 7323 §2.3): the smallest
// that lets the largest receive buffer be advertised.
func (c *Config) rcvShift() uint8 {
	if c.WindowShift >= 0 {
		return uint8(c.WindowShift)
	}
	s := uint8(0)
	for s < 14 && c.RecvBufMax>>s > 65535 {
		s++
	}
	return s
}

func (c *Config) newAlgorithm() cc.Algorithm {
	if c.Congestion != nil {
		if a := c.Congestion(); a != nil {
			return a
		}
	}
	return &cc.NewReno{InitialWindow: c.InitialCwnd}
}
