// Package iperftcp is the iperf3 server's hooks into tcpbox's own stack
// (services/iperf3 runs on net.Conn only and takes them injected): the
// server-side figures come from the connection's own TCB, and each test's
// socket options (-w, -M, -N, -C) are set on each of its accepted data
// connections. The appliance wires them; the interop tests use the same.
//
// It is not the kernel's version of the hooks (services/iperf3's
// KernelStats and KernelTune).
package iperftcp

import (
	"errors"
	"net"

	"github.com/tcpbox/tcpbox/services/iperf3"
	"github.com/tcpbox/tcpbox/stack"
)

// Conn unwraps the service layer's wrappers (anything with Raw() net.Conn)
// down to the stack's connection.
func Conn(c net.Conn) (*stack.TCPConn, bool) {
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

// Stats reads the server-side figures iperf3 reports (Linux's
// tcpi_total_retrans, snd_cwnd × mss, rtt, rttvar, pmtu, TCP_CONGESTION)
// from the connection's TCB snapshot.
func Stats(c net.Conn) (iperf3.TCPStats, bool) {
	tc, ok := Conn(c)
	if !ok {
		return iperf3.TCPStats{}, false
	}
	in := tc.TCPInfo()
	return iperf3.TCPStats{
		Retransmits: in.TotalRetrans, Cwnd: in.Cwnd, RTT: in.SRTT, RTTVar: in.RTTVar,
		PMTU: in.PMTU, Congestion: in.Congestion,
	}, true
}

// Tune applies a test's options to one accepted data connection, so tests
// running at once each have their own: buffers (-w; iperf3 clamps it to
// iperf3.MaxWindow, and the listener needs WindowShift to advertise it),
// the send MSS (-M, as TCP_MAXSEG on a connected socket), no-delay (-N)
// and the congestion algorithm (-C, by Linux's name, see CC).
func Tune(c net.Conn, o iperf3.SockOpts) error {
	tc, ok := Conn(c)
	if !ok {
		return errors.New("iperftcp: not a tcpbox connection")
	}
	var errs []error
	if o.NoDelay {
		errs = append(errs, tc.SetNoDelay(true))
	}
	if o.Window > 0 {
		errs = append(errs, tc.SetReadBuffer(o.Window), tc.SetWriteBuffer(o.Window))
	}
	if o.MSS > 0 {
		errs = append(errs, tc.SetMaxSeg(o.MSS))
	}
	if o.Congestion != "" {
		errs = append(errs, tc.SetCongestion(CC(o.Congestion)))
	}
	return errors.Join(errs...)
}

// CC maps Linux's algorithm names to tcpbox's: Linux's "reno" recovers as
// NewReno does (RFC 6582), which is tcpbox's "newreno"; the others are the
// same names.
func CC(name string) string {
	if name == "reno" {
		return "newreno"
	}
	return name
}

// WindowShift is the window scale (RFC 7323 §2.3) a listener for iperf3's
// data connections must offer at least, so that a -w of iperf3.MaxWindow
// can be advertised: the scale is fixed at the handshake, before the test
// sets the buffer.
func WindowShift() int { return ShiftFor(iperf3.MaxWindow) }

// ShiftFor is the smallest window scale that advertises n bytes in the
// 16-bit window field, at most 14 (RFC 7323 §2.3).
func ShiftFor(n int) int {
	s := 0
	for s < 14 && n>>s > 65535 {
		s++
	}
	return s
}
