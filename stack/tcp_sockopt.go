package stack

import (
	"net"
	"time"
)

// Socket options of a TCPConn, named and behaving as net.TCPConn's. Each
// changes the state machine under the connection's lock and runs Output,
// since some (NoDelay, uncorking, a larger receive buffer) release data or
// a window update at once.

func (c *TCPConn) setopt(f func()) error {
	if c.isClosed() {
		return c.opErr("set", net.ErrClosed)
	}
	c.mu.Lock()
	f()
	c.flushLocked(c.st.now())
	c.mu.Unlock()
	return nil
}

// SetNoDelay turns Nagle's algorithm (RFC 896, RFC 9293 §3.7.4) off
// (true) or on, like TCP_NODELAY. Connections start with Nagle on unless
// the options said otherwise.
func (c *TCPConn) SetNoDelay(noDelay bool) error {
	return c.setopt(func() { c.tc.SetNoDelay(noDelay) })
}

// SetCork holds back partial segments while on, like TCP_CORK; turning it
// off sends what is queued.
func (c *TCPConn) SetCork(on bool) error {
	return c.setopt(func() { c.tc.SetCork(on) })
}

// SetReadBuffer sets the receive buffer, like SO_RCVBUF: the window we
// offer follows it, and autotuning stops.
func (c *TCPConn) SetReadBuffer(bytes int) error {
	return c.setopt(func() { c.tc.SetRecvBuffer(bytes) })
}

// SetWriteBuffer sets the send buffer, like SO_SNDBUF.
func (c *TCPConn) SetWriteBuffer(bytes int) error {
	return c.setopt(func() { c.tc.SetSendBuffer(bytes) })
}

// SetLinger sets what Close does, like Linux's SO_LINGER: sec == 0
// discards unsent data and sends a RST (an abortive close, RFC 9293
// §3.10.4); sec < 0 (the default) closes gracefully in the background;
// sec > 0 makes Close block until the peer has acknowledged all data and
// the FIN, or sec seconds have passed, and then reset the connection
// (tcp_linger.go).
func (c *TCPConn) SetLinger(sec int) error {
	if c.isClosed() {
		return c.opErr("set", net.ErrClosed)
	}
	c.mu.Lock()
	c.linger = sec
	c.mu.Unlock()
	return nil
}

// SetKeepAlive turns keepalive probes (RFC 9293 §3.8.4) on or off with the
// idle time, interval and count of the connection's configuration.
func (c *TCPConn) SetKeepAlive(on bool) error {
	return c.setopt(func() { c.tc.SetKeepAlive(on) })
}

// SetKeepAlivePeriod turns keepalive on. The state machine has no
// per-connection idle time yet (tcp.Conn offers SetKeepAlive(on) only), so
// the period is that of the dial's or listener's configuration
// (WithKeepAlive); a different d is refused rather than ignored.
func (c *TCPConn) SetKeepAlivePeriod(d time.Duration) error {
	if d <= 0 {
		return c.opErr("set", errBadKeepAlive)
	}
	c.mu.Lock()
	idle := c.cfgKeepIdle
	c.mu.Unlock()
	if d != idle {
		return c.opErr("set", errKeepAlivePeriod)
	}
	return c.setopt(func() { c.tc.SetKeepAlive(true) })
}
