package stack

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"sync"
	"time"
)

// UDPConn is a UDP socket on the stack, behind net.PacketConn. Arriving
// datagrams wait in a bounded queue (Options.UDPQueueLen); when it is full
// new ones are dropped and counted (udp-queue-full), as a kernel drops on a
// full receive buffer.
type UDPConn struct {
	s     *Stack
	local netip.AddrPort
	rx    chan *Buffer
	once  sync.Once
	done  chan struct{}

	rdl, wdl udpDeadline
}

var _ net.PacketConn = (*UDPConn)(nil)

// ListenUDP binds a UDP socket at laddr. An unspecified address
// (0.0.0.0 or the zero Addr) receives on every local address; port 0
// picks an ephemeral port.
func (s *Stack) ListenUDP(laddr netip.AddrPort) (*UDPConn, error) {
	if s.closing.Load() {
		return nil, &net.OpError{Op: "listen", Net: "udp", Addr: udpAddr(laddr), Err: net.ErrClosed}
	}
	if laddr.Addr().IsValid() && !laddr.Addr().Is4() {
		return nil, &net.OpError{Op: "listen", Net: "udp", Addr: udpAddr(laddr), Err: errors.New("not an IPv4 address")}
	}
	c := &UDPConn{s: s, rx: make(chan *Buffer, s.opts.UDPQueueLen), done: make(chan struct{})}
	s.udpMu.Lock()
	bound, err := s.udp.Bind(laddr, c)
	if err == nil {
		c.local = bound
		s.udpAll[c] = struct{}{}
	}
	s.udpMu.Unlock()
	if err != nil {
		return nil, &net.OpError{Op: "listen", Net: "udp", Addr: udpAddr(laddr), Err: err}
	}
	return c, nil
}

func udpAddr(ap netip.AddrPort) *net.UDPAddr { return net.UDPAddrFromAddrPort(ap) }

// deliver queues a copy of payload from src; it runs on the receive
// goroutine.
func (c *UDPConn) deliver(src netip.AddrPort, payload []byte) {
	b := c.s.newBuffer(len(payload))
	copy(b.Bytes(), payload)
	b.from = src
	select {
	case <-c.done:
		c.s.drop(DropUDPNoSocket)
		c.s.release(b)
		return
	default:
	}
	select {
	case c.rx <- b:
		c.s.ctr.udpIn.Add(1)
	default:
		c.s.drop(DropUDPQueueFull)
		c.s.release(b)
	}
}

// ReadFromUDPAddrPort reads one datagram into p (truncating it, as a UDP
// socket does, if p is short) and returns its length and source. It
// allocates nothing.
func (c *UDPConn) ReadFromUDPAddrPort(p []byte) (int, netip.AddrPort, error) {
	select {
	case <-c.done:
		return 0, netip.AddrPort{}, c.opErr("read", net.ErrClosed)
	default:
	}
	if c.rdl.passed() {
		return 0, netip.AddrPort{}, c.opErr("read", os.ErrDeadlineExceeded)
	}
	select {
	case b := <-c.rx:
		n := copy(p, b.Bytes())
		from := b.from
		c.s.release(b)
		return n, from, nil
	case <-c.done:
		return 0, netip.AddrPort{}, c.opErr("read", net.ErrClosed)
	case <-c.rdl.wait():
		return 0, netip.AddrPort{}, c.opErr("read", os.ErrDeadlineExceeded)
	}
}

// ReadFrom implements net.PacketConn.
func (c *UDPConn) ReadFrom(p []byte) (int, net.Addr, error) {
	n, from, err := c.ReadFromUDPAddrPort(p)
	if err != nil {
		return 0, nil, err
	}
	return n, udpAddr(from), nil
}

// WriteToUDPAddrPort sends p to addr as one datagram (fragmented if it
// exceeds the MTU). It allocates nothing once the next hop is resolved.
func (c *UDPConn) WriteToUDPAddrPort(p []byte, addr netip.AddrPort) (int, error) {
	select {
	case <-c.done:
		return 0, c.opErr("write", net.ErrClosed)
	default:
	}
	if c.wdl.passed() {
		return 0, c.opErr("write", os.ErrDeadlineExceeded)
	}
	if !addr.Addr().Is4() && !addr.Addr().Is4In6() {
		return 0, c.opErr("write", errors.New("not an IPv4 address"))
	}
	addr = netip.AddrPortFrom(addr.Addr().Unmap(), addr.Port())
	if err := c.s.sendUDP(c.local, addr, p, sendOpts{}); err != nil {
		if errors.Is(err, errClosed) {
			err = net.ErrClosed
		}
		return 0, c.opErr("write", err)
	}
	return len(p), nil
}

// WriteTo implements net.PacketConn; addr must be a *net.UDPAddr.
func (c *UDPConn) WriteTo(p []byte, addr net.Addr) (int, error) {
	ua, ok := addr.(*net.UDPAddr)
	if !ok || ua == nil {
		return 0, c.opErr("write", errors.New("address is not a *net.UDPAddr"))
	}
	return c.WriteToUDPAddrPort(p, ua.AddrPort())
}

// Close unbinds the socket; blocked reads return net.ErrClosed.
func (c *UDPConn) Close() error {
	closed := false
	c.once.Do(func() {
		closed = true
		c.s.udpMu.Lock()
		c.s.udp.Unbind(c.local, c)
		delete(c.s.udpAll, c)
		c.s.udpMu.Unlock()
		close(c.done)
		c.rdl.stop()
		c.wdl.stop()
		for {
			select {
			case b := <-c.rx:
				c.s.release(b)
			default:
				return
			}
		}
	})
	if !closed {
		return c.opErr("close", net.ErrClosed)
	}
	return nil
}

// LocalAddr is the bound address (a *net.UDPAddr).
func (c *UDPConn) LocalAddr() net.Addr { return udpAddr(c.local) }

// LocalAddrPort is the bound address.
func (c *UDPConn) LocalAddrPort() netip.AddrPort { return c.local }

// SetDeadline sets both deadlines.
func (c *UDPConn) SetDeadline(t time.Time) error {
	c.rdl.set(t)
	c.wdl.set(t)
	return nil
}

// SetReadDeadline sets the read deadline (wall-clock time, as net.Conn).
func (c *UDPConn) SetReadDeadline(t time.Time) error { c.rdl.set(t); return nil }

// SetWriteDeadline sets the write deadline.
func (c *UDPConn) SetWriteDeadline(t time.Time) error { c.wdl.set(t); return nil }

func (c *UDPConn) opErr(op string, err error) error {
	return &net.OpError{Op: op, Net: "udp", Source: udpAddr(c.local), Err: err}
}
