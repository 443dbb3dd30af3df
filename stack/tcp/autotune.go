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
// MSS free). A zero window then would stall a reader that keeps up,
// when the sender's burst filled the buffer within one receive batch,
// before the application could run (issue 3: at 0% loss, curl uploads
// and iperf3 saw Win=0 early, while the buffer was at its initial
// size). The application keeps up when, within the last RTT, it has read
// more than the last estimate of one RTT's worth (the estimate is stale:
// grow as the next adjustment would) or its last read emptied the buffer
// (it waits for data: double the buffer). The first time, the buffer
// doubles in any case: the initial size is a guess made before any
// measurement, and an application still setting up (an HTTP server
// creating its file) met the first burst with Win=0 at 128 KiB (Linux
// keeps similar slack: its initial window is about half its buffer).
// All of it stays within RecvBufMax; a reader that has not kept up still
// gets the zero window that flow control owes it.
func (c *Conn) autotuneOnFull() {
	if !c.cfg.Autotune || c.userRcvBuf || !c.synchronized() || c.rcv.limit >= c.cfg.RecvBufMax {
		return
	}
	rtt := c.rcvRTT
	if rtt == 0 {
		rtt = c.rtt.srtt
	}
	first := !c.rcvFilled
	c.rcvFilled = true
	if c.rcvSpaceCopied > c.rcvSpace {
		c.rcvSpaceGrow()
		return
	}
	if first || (c.drainedAt != 0 && c.now-c.drainedAt <= rtt) {
		// One doubling per emptying read: a reader that stops reading
		// cannot make the buffer grow further.
		c.rcv.limit = min(2*c.rcv.limit, c.cfg.RecvBufMax)
		c.drainedAt = 0
	}
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
