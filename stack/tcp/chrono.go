package tcp

import "time"

// Sending-time accounting after Linux's tcp_chrono (tcp_info's busy,
// rwnd_limited and sndbuf_limited times): after each Output the sender is
// idle, busy (data in flight or queued), limited by the peer's window, or
// limited by our send buffer (the application wants to write more than
// fits). The time until the next change is charged to that condition.

type chrono uint8

const (
	chronoIdle chrono = iota
	chronoBusy
	chronoRwnd
	chronoSndBuf
	numChrono
)

type chronoState struct {
	cur   chrono
	since time.Duration
	total [numChrono]time.Duration
}

// chronoUpdate classifies the sender after Output.
func (c *Conn) chronoUpdate(now time.Duration) {
	var s chrono
	unsent := c.snd.n - max(0, c.sndNxt.Sub(c.sndBufSeq))
	switch {
	case !c.synchronized() || (c.flight() == 0 && unsent <= 0):
		s = chronoIdle
	case unsent > 0 && c.sndWnd-c.flight() < min(unsent, c.sndMSS):
		s = chronoRwnd
	case c.snd.free() == 0 && unsent < c.sndMSS && !c.ccs.CwndLimited():
		// Linux's tcp_cwnd_validate: the send buffer is the limit only
		// when the window is not and the buffered data is out (here: no
		// full segment waits; a shorter tail is Nagle's, held for want
		// of data the full buffer cannot take). A full buffer queued
		// behind a full window is busy time.
		s = chronoSndBuf
	default:
		s = chronoBusy
	}
	if s == c.chrono.cur {
		return
	}
	if c.chrono.cur != chronoIdle {
		c.chrono.total[c.chrono.cur] += now - c.chrono.since
	}
	c.chrono.cur, c.chrono.since = s, now
}

// chronoTimes returns busy, rwnd-limited and sndbuf-limited time up to
// now. Like Linux, busy time includes the limited times.
func (c *Conn) chronoTimes(now time.Duration) (busy, rwnd, sndbuf time.Duration) {
	t := c.chrono.total
	if c.chrono.cur != chronoIdle && now > c.chrono.since {
		t[c.chrono.cur] += now - c.chrono.since
	}
	return t[chronoBusy] + t[chronoRwnd] + t[chronoSndBuf], t[chronoRwnd], t[chronoSndBuf]
}
