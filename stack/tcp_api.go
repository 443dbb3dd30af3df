package stack

import (
	"context"
	"fmt"
	"net"
	"net/netip"

	"github.com/tcpbox/tcpbox/stack/tcp"
)

// DialTCP opens a TCP connection to raddr from the stack's address and a
// random free ephemeral port (RFC 6056 §3.3.1), blocking until the
// handshake completes, fails (ECONNREFUSED, ETIMEDOUT) or ctx ends.
func (s *Stack) DialTCP(ctx context.Context, raddr netip.AddrPort, opts ...TCPOption) (*TCPConn, error) {
	return s.tcp().dial(ctx, netip.AddrPort{}, raddr, opts)
}

// DialTCPFrom is DialTCP from a chosen local address and/or port (either
// may be zero).
func (s *Stack) DialTCPFrom(ctx context.Context, laddr, raddr netip.AddrPort, opts ...TCPOption) (*TCPConn, error) {
	return s.tcp().dial(ctx, laddr, raddr, opts)
}

// Dial is net.Dial's shape for "tcp" and "tcp4" with a numeric
// "a.b.c.d:port" address (the stack has no resolver).
func (s *Stack) Dial(network, addr string) (net.Conn, error) {
	return s.DialContext(context.Background(), network, addr)
}

// DialContext is net.Dialer.DialContext's shape; see Dial.
func (s *Stack) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if network != "tcp" && network != "tcp4" {
		return nil, &net.OpError{Op: "dial", Net: network, Err: net.UnknownNetworkError(network)}
	}
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: fmt.Errorf("stack: %w", err)}
	}
	c, err := s.DialTCP(ctx, ap)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// ListenTCP listens on laddr; an unspecified (or invalid) address listens
// on every local address, port 0 picks a free port. A port whose old
// connections linger in TIME-WAIT can be listened on at once
// (SO_REUSEADDR semantics).
func (s *Stack) ListenTCP(laddr netip.AddrPort, opts ...TCPOption) (*TCPListener, error) {
	return s.tcp().listen(laddr, opts)
}

// Listen is net.Listen's shape for "tcp"/"tcp4" and "a.b.c.d:port" or
// ":port".
func (s *Stack) Listen(network, addr string) (net.Listener, error) {
	if network != "tcp" && network != "tcp4" {
		return nil, &net.OpError{Op: "listen", Net: network, Err: net.UnknownNetworkError(network)}
	}
	var ap netip.AddrPort
	if len(addr) > 0 && addr[0] == ':' {
		addr = "0.0.0.0" + addr
	}
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return nil, &net.OpError{Op: "listen", Net: network, Err: fmt.Errorf("stack: %w", err)}
	}
	l, err := s.ListenTCP(ap)
	if err != nil {
		return nil, err
	}
	return l, nil
}

// TCPConnections returns a snapshot of every connection the stack holds,
// TIME-WAIT included, for the admin page.
func (s *Stack) TCPConnections() []tcp.Info {
	return s.tcp().connections()
}
