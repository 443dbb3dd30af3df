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

// listenerOpts reports whether o has options that must be on the listening
// socket to take effect from the handshake (MSS in the SYN-ACK, window
// scale chosen from the buffer size, and the congestion algorithm: tcpbox's
// stack picks it when the connection is made and cannot swap it after, so
// -C reaches its connections only through the listener; Linux's accepted
// sockets inherit the listener's TCP_CONGESTION too).
func (o SockOpts) listenerOpts() bool { return o.Window != 0 || o.MSS != 0 || o.Congestion != "" }

// TuneFunc applies o to an accepted TCP data connection. An error fails the
// test with iperf3's IESETCONGESTION when o.Congestion is set, else it is
// counted and ignored.
type TuneFunc func(c net.Conn, o SockOpts) error

// ListenFunc opens a TCP listener on the server's port with o applied to
// it (and so inherited by the connections it accepts).
type ListenFunc func(o SockOpts) (net.Listener, error)
