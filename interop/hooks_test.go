package interop

import (
	"errors"
	"fmt"
	"net"
	"net/netip"

	"github.com/tcpbox/tcpbox/services/iperf3"
	"github.com/tcpbox/tcpbox/stack"
)

// The iperf3 server's hooks for tcpbox's stack: server-side figures from
// TCPConn.TCPInfo() and socket options as stack.TCPOptions. The appliance
// should wire the same (they belong next to it; they live here until it
// has them).

// tcpboxConn unwraps the services' connection wrappers (anything with
// Raw() net.Conn) down to tcpbox's *stack.TCPConn.
func tcpboxConn(c net.Conn) (*stack.TCPConn, bool) {
	for {
		if tc, ok := c.(*stack.TCPConn); ok {
			return tc, true
		}
		u, ok := c.(interface{ Raw() net.Conn })
		if !ok {
			return nil, false
		}
		c = u.Raw()
	}
}

// tcpboxStats reads the server-side figures iperf3 reports (Linux's
// tcpi_total_retrans, snd_cwnd × mss, rtt, rttvar, pmtu) from tcpbox's
// TCB snapshot.
func tcpboxStats(c net.Conn) (iperf3.TCPStats, bool) {
	tc, ok := tcpboxConn(c)
	if !ok {
		return iperf3.TCPStats{}, false
	}
	in := tc.TCPInfo()
	return iperf3.TCPStats{
		Retransmits: in.TotalRetrans,
		Cwnd:        in.Cwnd,
		RTT:         in.SRTT,
		RTTVar:      in.RTTVar,
		PMTU:        in.PMTU,
		Congestion:  in.Congestion,
	}, true
}

var errAfterHandshake = errors.New("can only be chosen before the handshake (on the listener)")

// tcpboxTune applies a test's options to an accepted data connection.
// Buffers and no-delay change on a live connection; the MSS and the
// congestion algorithm are fixed at the handshake on tcpbox's stack, so
// they must have come from the listener (tcpboxListen): a connection that
// does not already have them is an error (for -C, iperf3's
// IESETCONGESTION), never silently ignored.
func tcpboxTune(c net.Conn, o iperf3.SockOpts) error {
	tc, ok := tcpboxConn(c)
	if !ok {
		return errors.New("not a tcpbox connection")
	}
	var errs []error
	if o.Window > 0 {
		errs = append(errs, tc.SetReadBuffer(o.Window), tc.SetWriteBuffer(o.Window))
	}
	if o.NoDelay {
		errs = append(errs, tc.SetNoDelay(true))
	}
	in := tc.TCPInfo()
	if o.MSS > 0 && in.AdvMSS > o.MSS {
		errs = append(errs, fmt.Errorf("mss %d (have %d): %w", o.MSS, in.AdvMSS, errAfterHandshake))
	}
	if o.Congestion != "" && in.Congestion != o.Congestion {
		errs = append(errs, fmt.Errorf("congestion %q (have %q): %w", o.Congestion, in.Congestion, errAfterHandshake))
	}
	return errors.Join(errs...)
}

// tcpboxOptions turns a test's options into listener options.
func tcpboxOptions(o iperf3.SockOpts) []stack.TCPOption {
	var opts []stack.TCPOption
	if o.Window > 0 {
		opts = append(opts, stack.WithBuffers(o.Window, o.Window))
	}
	if o.MSS > 0 {
		opts = append(opts, stack.WithMSSClamp(o.MSS))
	}
	if o.NoDelay {
		opts = append(opts, stack.WithNoDelay(true))
	}
	if o.Congestion != "" {
		opts = append(opts, stack.WithCongestion(o.Congestion))
	}
	return opts
}

// tcpboxListen reopens the iperf3 port on st with a test's options.
func tcpboxListen(st *stack.Stack, port uint16) iperf3.ListenFunc {
	return func(o iperf3.SockOpts) (net.Listener, error) {
		return st.ListenTCP(netip.AddrPortFrom(netip.IPv4Unspecified(), port), tcpboxOptions(o)...)
	}
}
