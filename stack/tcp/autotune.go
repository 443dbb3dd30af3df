package tcp

import "time"

// Receive-buffer autotuning, after Linux's tcp_rcv_space_adjust (the
// tcp_moderate_rcvbuf sysctl): once per receiver-side RTT, if the
// application read more than the last estimate, the buffer grows to twice
// that plus room for slow-start growth, within [RecvBufMin, RecvBufMax].
// An explicit SetRecvBuffer turns it off, as SO_RCVBUF does.

// rcvRTTSample measures the receiver-side RTT: from the echoed timestamp
// when we have timestamps, else the time for one window of data to
// arrive (Linux's tcp_rcv_rtt_measure; an upper bound).
func (c *Conn) rcvRTTSample(now time.Duration, tsecr uint32, hasTS bool) {
	if c.tsOK && hasTS && tsecr != 0 {
		if d := int32(c.tsNow(now) - tsecr); d >= 0 {
			c.foldRcvRTT(max(time.Duration(d)*time.Millisecond, time.Millisecond))
		}
		return
	}
	if c.rcvRTTAt == 0 {
		c.rcvRTTAt, c.rcvRTTSeq = now, c.rcvNxt.Add(max(c.rcvWnd(), 1))
		return
	}
	if c.rcvNxt.GreaterEq(c.rcvRTTSeq) {
		c.foldRcvRTT(max(now-c.rcvRTTAt, time.Millisecond))
		c.rcvRTTAt, c.rcvRTTSeq = now, c.rcvNxt.Add(max(c.rcvWnd(), 1))
	}
}

func (c *Conn) foldRcvRTT(r time.Duration) {
	if c.rcvRTT == 0 || r < c.rcvRTT {
		c.rcvRTT = r
	} else {
		c.rcvRTT = (7*c.rcvRTT + r) / 8
	}
}

// autotune runs after the application read.
func (c *Conn) autotune() {
	if !c.cfg.Autotune || c.userRcvBuf || !c.synchronized() {
		return
	}
	rtt := c.rcvRTT
	if rtt == 0 {
		rtt = c.rtt.srtt
	}
	if rtt == 0 || c.now-c.rcvSpaceAt < rtt {
		return
	}
	c.rcvSpaceGrow()
	c.rcvSpaceCopied = 0
	c.rcvSpaceAt = c.now
}

// autotuneOnFull runs when the window is about to close (less than an
// MSS free). If the application has already read more than the last
// estimate of one RTT's worth, in less than an RTT, the estimate is
// stale: the sender's burst outran the buffer, not the application, and
// a zero window here would stall a reader that keeps up (issue 3: at 0%
// loss, curl uploads saw Win=0 early while the buffer was still at its
// initial size). The buffer grows now as the next RTT's adjustment would
// grow it, within RecvBufMax; a slow reader (copied <= estimate) still
// gets the zero window that flow control owes it.
func (c *Conn) autotuneOnFull() {
	if !c.cfg.Autotune || c.userRcvBuf || !c.synchronized() || c.rcv.limit >= c.cfg.RecvBufMax {
		return
	}
	c.rcvSpaceGrow()
}

// rcvSpaceGrow is tcp_rcv_space_adjust's growth step: from what the
// application read since the last adjustment.
func (c *Conn) rcvSpaceGrow() {
	copied := c.rcvSpaceCopied
	if copied > c.rcvSpace {
		win := 2*copied + 16*c.advMSS
		// Leave room for the sender's window to keep doubling.
		win += 2 * win * (copied - c.rcvSpace) / max(c.rcvSpace, 1)
		lim := min(max(win, c.cfg.RecvBufMin), c.cfg.RecvBufMax)
		if lim > c.rcv.limit {
			c.rcv.limit = lim
		}
		c.rcvSpace = copied
	}
}
