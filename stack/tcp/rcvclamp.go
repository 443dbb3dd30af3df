package tcp

// The initial receive window (Linux's initrwnd route attribute): the
// window of our SYN or SYN-ACK, and of the segments after it, is at most
// Config.InitRwnd segments of our MSS, however large the receive buffer.
// The bound then grows by two segments for each in-order data segment
// that arrives, as Linux's rcv_ssthresh grows (tcp_grow_window), until it
// reaches the buffer's size and is dropped. The receive buffer still bounds the
// window throughout; a window once advertised never shrinks (RFC 9293
// §3.8.6.2.2).

// initRcvClamp sets the bound at the connection's start (0: none).
func (c *Conn) initRcvClamp() {
	if c.cfg.InitRwnd > 0 {
		c.rcvClamp = c.cfg.InitRwnd * c.advMSS
	}
}

// initWindow is the window a SYN cookie's SYN-ACK offers: the receive
// buffer within the initial-window bound.
func (c *Config) initWindow() int {
	if c.InitRwnd > 0 {
		return min(c.RecvBuf, c.InitRwnd*c.advMSS())
	}
	return c.RecvBuf
}

// rcvWindowOffer is the free receive space we may advertise: the free
// buffer, within the initial-window bound while it lasts.
func (c *Conn) rcvWindowOffer() int {
	return c.clampRcv(c.rcvWindowAvail())
}

func (c *Conn) clampRcv(avail int) int {
	if c.rcvClamp > 0 {
		return min(avail, c.rcvClamp)
	}
	return avail
}

// growRcvClamp widens the bound after n in-order bytes arrived.
func (c *Conn) growRcvClamp(n int) {
	if c.rcvClamp == 0 {
		return
	}
	c.rcvClamp += 2 * max(c.advMSS, n)
	if c.rcvClamp >= c.rcv.limit {
		// The buffer binds from here; its own growth (autotune.go)
		// follows what the application reads.
		c.rcvClamp = 0
	}
}
