package stack

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"syscall"

	"github.com/tcpbox/tcpbox/stack/tcp"
)

// dial opens a connection to raddr (RFC 9293 §3.10.1, active OPEN) from
// laddr, which may be invalid (any address, ephemeral port) or carry an
// address and/or a port. It blocks until the handshake completes, fails,
// or ctx ends; a ctx that ends aborts the attempt.
func (s *tcpStack) dial(ctx context.Context, laddr, raddr netip.AddrPort, opts []TCPOption) (*TCPConn, error) {
	fail := func(err error) (*TCPConn, error) {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Source: tcpAddr(laddr), Addr: tcpAddr(raddr), Err: err}
	}
	if !raddr.Addr().Is4() || raddr.Port() == 0 {
		return fail(errors.New("stack: dial needs an IPv4 address and a port"))
	}
	o, err := s.options(opts)
	if err != nil {
		return fail(err)
	}
	local := laddr.Addr()
	if !local.IsValid() || local.IsUnspecified() {
		local = s.s.sourceAddr(raddr.Addr())
	}
	if !local.IsValid() {
		return fail(syscall.ENETUNREACH)
	}
	if m := s.s.pathMTU(raddr.Addr()); m > 0 && m < o.cfg.MTU {
		o.cfg.MTU = m
	}
	cfg := new(tcp.Config)
	*cfg = o.cfg

	var c *TCPConn
	for tries := 0; ; tries++ {
		port := laddr.Port()
		if port == 0 {
			s.rngMu.Lock()
			port, err = pickEphemeralPort(s.rng, func(p uint16) bool { return s.table.portInUse(local, p, raddr) })
			s.rngMu.Unlock()
			if err != nil {
				return fail(syscall.EADDRNOTAVAIL)
			}
		}
		lap := netip.AddrPortFrom(local, port)
		now := s.now()
		c = newTCPConn(s, cfg, tcp.NewConn(cfg, lap, raddr, now), lap, raddr)
		if s.table.addConn(c) {
			break
		}
		if laddr.Port() != 0 || tries > 16 {
			return fail(syscall.EADDRINUSE)
		}
	}

	c.mu.Lock()
	err = c.tc.Connect(s.now())
	c.flushLocked(s.now())
	c.mu.Unlock()
	if err != nil {
		c.abandon()
		return fail(tcpErrno(err))
	}
	// Wait for ESTABLISHED (or beyond: the peer may already have sent its
	// FIN) or an error: refusal (RST), timeout (SYN retries exhausted).
	for {
		c.mu.Lock()
		st, cerr := c.tc.State(), c.tc.Err()
		c.mu.Unlock()
		if cerr != nil {
			c.abandon()
			return fail(tcpErrno(cerr))
		}
		if st != tcp.SynSent && st != tcp.SynReceived && st != tcp.Closed {
			return c, nil
		}
		if st == tcp.Closed {
			c.abandon()
			return fail(syscall.ECONNREFUSED)
		}
		select {
		case <-c.writeSig:
		case <-c.readSig:
		case <-ctx.Done():
			c.mu.Lock()
			c.tc.Abort()
			c.flushLocked(s.now())
			c.mu.Unlock()
			c.abandon()
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return fail(os.ErrDeadlineExceeded)
			}
			return fail(ctx.Err())
		}
	}
}

// abandon forgets a connection the application never got.
func (c *TCPConn) abandon() {
	c.closeOnce.Do(func() { close(c.closed) })
	c.mu.Lock()
	c.forgetLocked()
	c.mu.Unlock()
	c.readSig.poke()
	c.writeSig.poke()
}

// listen opens a listener on laddr (RFC 9293 §3.10.1, passive OPEN).
// An unspecified address listens on every local address.
func (s *tcpStack) listen(laddr netip.AddrPort, opts []TCPOption) (*TCPListener, error) {
	fail := func(err error) (*TCPListener, error) {
		return nil, &net.OpError{Op: "listen", Net: "tcp", Addr: tcpAddr(laddr), Err: err}
	}
	if !laddr.Addr().IsValid() {
		laddr = netip.AddrPortFrom(netip.IPv4Unspecified(), laddr.Port())
	}
	if !laddr.Addr().Is4() {
		return fail(errors.New("stack: listen needs an IPv4 address"))
	}
	if !laddr.Addr().IsUnspecified() && !s.s.isLocalAddr(laddr.Addr()) {
		return fail(syscall.EADDRNOTAVAIL)
	}
	o, err := s.options(opts)
	if err != nil {
		return fail(err)
	}
	if laddr.Port() == 0 {
		s.rngMu.Lock()
		p, err := pickEphemeralPort(s.rng, func(p uint16) bool { return s.table.portInUse(laddr.Addr(), p, netip.AddrPort{}) })
		s.rngMu.Unlock()
		if err != nil {
			return fail(syscall.EADDRINUSE)
		}
		laddr = netip.AddrPortFrom(laddr.Addr(), p)
	}
	cfg := new(tcp.Config)
	*cfg = o.cfg
	l := newTCPListener(s, laddr, o, cfg, tcp.NewListener(cfg, laddr, o.backlog, s.key))
	if !s.table.addListener(l) {
		return fail(syscall.EADDRINUSE)
	}
	return l, nil
}

// connections returns the snapshot of every connection in the table.
func (s *tcpStack) connections() []tcp.Info {
	cs := s.table.snapshotConns()
	out := make([]tcp.Info, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.TCPInfo())
	}
	return out
}
