package tcp

import (
	"net/netip"
	"time"
)

// Info is a snapshot of one connection: its TCB (RFC 9293 §3.3.1) and the
// fields of Linux's struct tcp_info that apply, so the admin page, the
// iperf3 server and tests read what the kernel's `ss -ti` would show.
// Times are durations; rates are bytes per second; windows and buffers are
// bytes. Zero means "not known yet" where a field has no natural zero.
type Info struct {
	// Identity.
	ID         uint64 // unique per stack, for the admin page's URLs
	State      State
	Local      netip.AddrPort
	Remote     netip.AddrPort
	Listener   string // name of the service/listener that accepted it, if any
	Congestion string // congestion-control algorithm in use
	CAState    string // open, disorder, cwr, recovery, loss (Linux's ca_state)

	// TCB: send and receive sequence variables.
	ISS, IRS        uint32
	SndUna, SndNxt  uint32
	SndWnd          uint32 // peer's advertised window, scaled, in bytes
	SndWl1, SndWl2  uint32
	RcvNxt          uint32
	RcvWnd          uint32 // window we advertise, in bytes
	SndWScale       uint8  // shift applied to the peer's window field
	RcvWScale       uint8  // shift we apply to our window field
	SndMSS, RcvMSS  int    // largest segment we send / we have seen
	AdvMSS          int    // MSS we advertised
	PMTU            int
	TimestampsOK    bool
	SACKOK          bool
	WScaleOK        bool
	ECNOK           bool
	ECNCEIn         uint64 // segments that arrived marked Congestion Experienced (RFC 3168)
	ECNECEIn        uint64 // ACKs that arrived with ECE: the peer echoing congestion
	NoDelay, Corked bool

	// RTT and timers (RFC 6298).
	SRTT, RTTVar, MinRTT, RTO, ATO time.Duration
	RcvRTT                         time.Duration
	Backoff                        int // RTO backoff exponent
	Retransmits                    int // retransmissions of the current segment (tcp_info.retransmits)
	Probes                         int // zero-window or keepalive probes unanswered

	// Congestion control.
	Cwnd, Ssthresh int // bytes
	PacingRate     uint64
	DeliveryRate   uint64
	Reordering     int

	// CwndLimited: the window, not the application or the peer's window,
	// limited sending lately, so the algorithm may grow Cwnd (Linux's
	// tcp_is_cwnd_limited, which tcp_info does not export). False means
	// Cwnd is held where it is: a larger value would not be validated by
	// use (cc.Sender.CwndLimited).
	CwndLimited bool

	// Queues.
	Unacked, Sacked, Lost, Retrans int // segments, like tcp_info
	NotSentBytes                   int
	SndBuf, RcvBuf                 int // current buffer sizes
	RcvSpace                       int // autotuning's estimate (tcp_info.rcv_space)
	RcvSsthresh                    int

	// Totals.
	BytesSent, BytesAcked, BytesReceived uint64
	BytesRetrans                         uint64
	SegsIn, SegsOut                      uint64
	DataSegsIn, DataSegsOut              uint64
	TotalRetrans                         uint64
	FastRetrans, RTORetrans              uint64
	DupAcksIn                            uint64
	ZeroWindowProbes                     uint64
	DSACKDups, ReordSeen                 uint64 // D-SACK blocks received; reordering events seen (sender)
	DSACKSent, RcvOOOPack                uint64 // D-SACKs we sent; out-of-order segments received (tcpi_rcv_ooopack)
	Delivered                            uint64
	TLPProbes, TLPRecoveries             uint64 // tail loss probes sent; losses they alone repaired (RFC 8985 §7)
	Rescues                              uint64 // rescue retransmissions (RFC 6675 §4 NextSeg rule 4)
	Undos                                uint64 // window reductions undone as spurious (D-SACK, RFC 2883 §4.2)
	SpuriousRTOs                         uint64 // timeouts F-RTO found spurious (RFC 5682)

	// Time spent.
	Age                                  time.Duration
	LastDataSent, LastDataRecv           time.Duration // since
	LastAckRecv                          time.Duration
	BusyTime, RwndLimited, SndBufLimited time.Duration
	TimeInState                          [NumStates]time.Duration
}
