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

// SetKeepAlive turns keepalive probes (RFC 9293 §3.8.4, RFC 1122
// §4.2.3.6) on or off, with the connection's current idle time, interval
// and count (the dial's or listener's configuration unless changed here).
func (c *TCPConn) SetKeepAlive(on bool) error {
	return c.setopt(func() { c.tc.SetKeepAlive(on) })
}

// Keepalive defaults of Go's net package for a zero field, as there.
const (
	goKeepAliveIdle     = 15 * time.Second
	goKeepAliveInterval = 15 * time.Second
	goKeepAliveCount    = 9
)

// SetKeepAlivePeriod sets how long the connection stays idle before the
// first keepalive probe (TCP_KEEPIDLE), for this connection only, as
// net.TCPConn.SetKeepAlivePeriod does on Linux: d == 0 means Go's 15 s, a
// negative d changes nothing, and keepalive is switched by SetKeepAlive.
// Any positive period is taken as it is (the kernel rounds up to whole
// seconds; tcpbox needs not).
func (c *TCPConn) SetKeepAlivePeriod(d time.Duration) error {
	if c.isClosed() {
		return c.opErr("set", net.ErrClosed)
	}
	if d < 0 {
		return nil
	}
	if d == 0 {
		d = goKeepAliveIdle
	}
	return c.setopt(func() { c.tc.SetKeepAliveParams(d, 0, 0) })
}

// SetKeepAliveConfig sets keepalive as net.TCPConn.SetKeepAliveConfig
// does: on or off (Enable), the idle time, the interval between probes
// and the number of unanswered probes before the connection fails with
// ETIMEDOUT; a zero field takes Go's default (15 s, 15 s, 9), a negative
// one leaves the current value.
func (c *TCPConn) SetKeepAliveConfig(cfg net.KeepAliveConfig) error {
	pick := func(v, def time.Duration) time.Duration {
		if v == 0 {
			return def
		}
		return v // <0: SetKeepAliveParams keeps the current value
	}
	count := cfg.Count
	if count == 0 {
		count = goKeepAliveCount
	}
	return c.setopt(func() {
		c.tc.SetKeepAliveParams(pick(cfg.Idle, goKeepAliveIdle), pick(cfg.Interval, goKeepAliveInterval), count)
		c.tc.SetKeepAlive(cfg.Enable)
	})
}
