package tcp

// Receive window management: what we advertise, receiver-side silly
// window avoidance, and window updates after the application reads.

// rcvWnd is what remains of the window we last advertised (RCV.WND).
func (c *Conn) rcvWnd() int {
	return max(0, c.rcvAdvEdge.Sub(c.rcvNxt))
}

// oooSpan is how far beyond RCV.NXT out-of-order data reaches.
func (c *Conn) oooSpan() int {
	if c.ooo.empty() {
		return 0
	}
	return max(0, c.ooo.end(c.rcvNxt).Sub(c.rcvNxt))
}

// rcvWindowAvail is the free receive space beyond RCV.NXT.
func (c *Conn) rcvWindowAvail() int {
	return max(0, c.rcv.limit-c.rcv.n)
}

// windowField computes the window to put in an outgoing segment and
// records the right edge it advertises.
func (c *Conn) windowField() uint16 {
	avail := c.rcvWindowAvail()
	if avail < c.advMSS {
		c.autotuneOnFull()
		avail = c.rcvWindowAvail()
	}
	avail = c.clampRcv(avail)
	edge := c.rcvNxt.Add(avail)
	cur := MaxSeq(c.rcvAdvEdge, c.rcvNxt)
	// RFC 9293 §3.8.6.2.2 (receiver SWS avoidance): move the right edge
	// only when it can advance by min(buffer/2, MSS) or more.
	if edge.GreaterThan(cur) && edge.Sub(cur) >= min(c.rcv.limit/2, c.advMSS) {
		cur = edge
	}
	w := cur.Sub(c.rcvNxt)
	var shift uint8
	if c.wsOK {
		shift = c.rcvShift
	}
	f := w >> shift
	// Rounding down must not move the edge left of what we promised
	// (RFC 9293 §3.8.6.2.2: do not shrink the window); round up instead.
	if f<<shift < w {
		f++
	}
	if f > 65535 {
		f = 65535
	}
	c.rcvAdvEdge = MaxSeq(c.rcvAdvEdge, c.rcvNxt.Add(f<<shift))
	return uint16(f)
}

// synWindowField is the unscaled window of a SYN or SYN-ACK (RFC 7323
// §2.2: the window field of a SYN is never scaled).
func (c *Conn) synWindowField() uint16 {
	return uint16(min(c.rcvWindowOffer(), 65535))
}

// noteRead is called after the application read n bytes; before is the
// free space before the read. It asks for a window update when the
// window would open by two segments or half the buffer (RFC 9293
// §3.8.6.2.2, RFC 1122 §4.2.3.3), and feeds autotuning.
func (c *Conn) noteRead(n, before int) {
	c.rcvSpaceCopied += n
	if c.rcv.n == 0 {
		c.drainedAt = c.now
	}
	c.autotune()
	if !c.synchronized() || c.peerFin {
		return
	}
	edge := c.rcvNxt.Add(c.rcvWindowOffer())
	open := edge.Sub(MaxSeq(c.rcvAdvEdge, c.rcvNxt))
	if open >= min(2*c.rcvMSS, c.rcv.limit/2) && c.rcvWnd() <= c.rcv.limit/2 {
		c.ackNow = true
	}
}
