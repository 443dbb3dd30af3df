package iperf3

import (
	"net"
	"time"
)

// TCPStats are the server-side figures of one TCP data connection, as the
// stack carrying it knows them (Linux's struct tcp_info fields).
type TCPStats struct {
	Retransmits uint64 // segments retransmitted so far (tcpi_total_retrans)
	Cwnd        int    // congestion window, bytes
	RTT, RTTVar time.Duration
	PMTU        int
	Congestion  string // algorithm in use, e.g. "cubic"
}

// StatsFunc reads TCPStats of a data connection; false when unknown.
type StatsFunc func(net.Conn) (TCPStats, bool)

// SockOpts are the socket options a test asks for (-w, -M, -N, -C).
// Zero values mean "the stack's default".
type SockOpts struct {
	Window     int    // socket buffer size in bytes (-w)
	MSS        int    // maximum segment size (-M)
	NoDelay    bool   // TCP_NODELAY (-N)
	Congestion string // congestion-control algorithm (-C)
}

// MaxWindow is the largest -w the server applies; a larger one is clamped
// to it, as Linux clamps SO_RCVBUF to net.core.rmem_max, so a client
// cannot make the server hold more per stream. The stack carrying the
// server must offer a window scale (RFC 7323 §2.3) that can advertise it.
const MaxWindow = 8 << 20

// TuneFunc applies o to an accepted TCP data connection, before any test
// data moves on it: the buffers (-w), the send MSS (-M, as TCP_MAXSEG on
// a connected socket), no-delay (-N) and the congestion algorithm (-C).
// Every option is per connection, so tests running at once each get their
// own. An error fails the test with iperf3's IESETCONGESTION when
// o.Congestion is set, else it is counted and ignored.
type TuneFunc func(c net.Conn, o SockOpts) error
