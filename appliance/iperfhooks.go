package appliance

import (
	"errors"
	"net"
	"net/netip"

	"github.com/tcpbox/tcpbox/config"
	"github.com/tcpbox/tcpbox/services/iperf3"
	"github.com/tcpbox/tcpbox/services/svc"
	"github.com/tcpbox/tcpbox/stack"
)

// The iperf3 server's hooks into tcpbox's stack: its figures come from the
// connection's own TCB, and its socket options (-w, -M, -N, -C) become
// tcpbox's options.

// tcpConnOf unwraps the service layer's wrappers down to the stack's conn.
func tcpConnOf(c net.Conn) (*stack.TCPConn, bool) {
	for {
		switch v := c.(type) {
		case *stack.TCPConn:
			return v, true
		case *svc.Conn:
			c = v.Raw()
		case interface{ Raw() net.Conn }:
			c = v.Raw()
		default:
			return nil, false
		}
	}
}

// iperfStats reads the server-side figures iperf3 reports.
func iperfStats(c net.Conn) (iperf3.TCPStats, bool) {
	tc, ok := tcpConnOf(c)
	if !ok {
		return iperf3.TCPStats{}, false
	}
	in := tc.TCPInfo()
	return iperf3.TCPStats{
		Retransmits: in.TotalRetrans, Cwnd: in.Cwnd, RTT: in.SRTT, RTTVar: in.RTTVar,
		PMTU: in.PMTU, Congestion: in.Congestion,
	}, true
}

// iperfTune applies per-connection options. The algorithm, the MSS and the
// window scale are chosen at the handshake, so an algorithm different from
// the one the connection has is refused (iperf3 then reports
// IESETCONGESTION) unless iperfListen already made the listener with it.
func iperfTune(c net.Conn, o iperf3.SockOpts) error {
	tc, ok := tcpConnOf(c)
	if !ok {
		return errors.New("not a tcpbox connection")
	}
	if o.NoDelay {
		tc.SetNoDelay(true)
	}
	if o.Window > 0 {
		tc.SetReadBuffer(o.Window)
		tc.SetWriteBuffer(o.Window)
	}
	if o.Congestion != "" && tc.TCPInfo().Congestion != o.Congestion {
		return errors.New("congestion control is chosen at the handshake; the listener was not made with " + o.Congestion)
	}
	return nil
}

// iperfListen re-creates iperf3's data listener with the test's options on
// top of the service's profile.
func (ss *services) iperfListen(c *config.Config, name string, s *config.Service) iperf3.ListenFunc {
	cfg := config.Clone(c)
	profile, port := s.Profile, s.Port
	return func(o iperf3.SockOpts) (net.Listener, error) {
		opts, err := tcpOptions(ss.st.TCPConfig(), &cfg, profile, name, linkMTU(&cfg, ss.st))
		if err != nil {
			return nil, err
		}
		if o.Congestion != "" {
			opts = append(opts, stack.WithCongestion(iperfCC(o.Congestion)))
		}
		if o.MSS > 0 {
			opts = append(opts, stack.WithMSSClamp(o.MSS))
		}
		if o.Window > 0 {
			opts = append(opts, stack.WithBuffers(o.Window, o.Window))
		}
		if o.NoDelay {
			opts = append(opts, stack.WithNoDelay(true))
		}
		return ss.st.ListenTCP(netip.AddrPortFrom(netip.IPv4Unspecified(), uint16(port)), opts...)
	}
}

// iperfCC maps Linux's algorithm names to tcpbox's (Linux's "reno" is
// NewReno, RFC 6582).
func iperfCC(name string) string {
	if name == "reno" {
		return "newreno"
	}
	return name
}
