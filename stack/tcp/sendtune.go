package tcp

import "github.com/tcpbox/tcpbox/stack/tcp/cc"

// Send-buffer autotuning, after Linux's tcp_sndbuf_expand (tcp_wmem
// min/default/max): the buffer starts at Config.SendBuf and, when the
// connection is established and then whenever the application found it
// full and an ACK frees space while the congestion window has room, grows
// to hold twice the congestion window (three times for BBR, which may
// grow its window during recovery): enough for what is in flight plus as
// much again queued behind it. It never exceeds SendBufMax and never
// shrinks. SetSendBuffer fixes the size, as SO_SNDBUF sets
// SOCK_SNDBUF_LOCK, within [SendBufMin, 1 GiB].
//
// Sizes count payload bytes. Linux counts each segment's whole memory
// (payload, headers and bookkeeping, about three times an MSS for
// segments built one at a time), so a Linux sk_sndbuf holds less payload
// than the same number here; the factors are Linux's, applied to payload.

// initCwndSegs is Linux's TCP_INIT_CWND, the least window the buffer is
// sized for.
const initCwndSegs = 10

// maxSendBuf is the largest send buffer Config and SetSendBuffer accept.
const maxSendBuf = 1 << 30

// sndBufExpand raises the send buffer to what the congestion window
// needs, within SendBufMax, unless the application fixed its size.
func (c *Conn) sndBufExpand() {
	if c.userSndBuf || c.sndMSS <= 0 {
		return
	}
	segs := max(initCwndSegs, c.ccs.Cwnd/c.sndMSS, c.sb.thresh()+1)
	factor := 2 // RFC 5681 §3.2: what is in flight, and as much behind it
	if _, ok := c.algo.(*cc.BBR); ok {
		factor = 3 // Linux's bbr_sndbuf_expand
	}
	want := min(factor*segs*c.sndMSS, c.cfg.SendBufMax)
	if want > c.snd.limit {
		c.snd.limit = want
	}
}

// sndBufOnAck is Linux's tcp_check_space and tcp_should_expand_sndbuf:
// after an ACK freed send-buffer space, grow the buffer if a writer found
// it full and the window, not the buffer, has room.
func (c *Conn) sndBufOnAck() {
	if !c.sndNoSpace {
		return
	}
	c.sndNoSpace = false
	if c.inflight() < c.ccs.Cwnd {
		c.sndBufExpand()
	}
}
