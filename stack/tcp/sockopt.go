package tcp

import "time"

// Per-connection settings the application may change (the socket
// options of a kernel TCP).

// SetNoDelay turns Nagle's algorithm off (true) or on (TCP_NODELAY).
func (c *Conn) SetNoDelay(on bool) { c.noDelay = on }

// SetCork holds partial segments while on (TCP_CORK); clearing it lets
// them go.
func (c *Conn) SetCork(on bool) { c.cork = on }

// SetKeepAlive turns keepalive probing on or off.
func (c *Conn) SetKeepAlive(on bool) {
	c.keepAlive = on
	if !on {
		c.keepAt = 0
	} else if c.keepAt == 0 {
		c.armKeepalive(c.now)
	}
}

// SetKeepAliveParams sets this connection's keepalive idle time, probe
// interval and probe count (TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT);
// zero or negative values keep the current ones.
func (c *Conn) SetKeepAliveParams(idle, interval time.Duration, count int) {
	if idle > 0 {
		c.keepIdle = idle
	}
	if interval > 0 {
		c.keepInterval = interval
	}
	if count > 0 {
		c.keepCount = count
	}
	if c.keepAlive && c.keepProbes == 0 {
		c.armKeepalive(c.now)
	}
}

// SetUserTimeout sets how long sent data may stay unacknowledged before
// the connection fails with ErrTimeout (TCP_USER_TIMEOUT, RFC 5482); 0
// turns it off.
func (c *Conn) SetUserTimeout(d time.Duration) {
	if d >= 0 {
		c.userTimeout = d
	}
}

// SetSendBuffer sets the send buffer size (SO_SNDBUF) within
// [SendBufMin, 1 GiB] and, like Linux, ends send autotuning for this
// connection (sendtune.go). It never drops buffered data.
func (c *Conn) SetSendBuffer(n int) {
	if n < 1 {
		return
	}
	c.userSndBuf = true
	c.snd.limit = max(min(n, maxSendBuf), c.cfg.SendBufMin, c.snd.n)
}

// SetRecvBuffer sets the receive buffer size (SO_RCVBUF) and, like
// Linux, turns autotuning off for this connection. The advertised window
// never shrinks (RFC 9293 §3.8.6.2.2), so a smaller buffer takes effect
// as the window drains.
func (c *Conn) SetRecvBuffer(n int) {
	if n < 1 {
		return
	}
	c.userRcvBuf = true
	c.rcv.limit = max(n, c.rcv.n+c.oooSpan())
}
