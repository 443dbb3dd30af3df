package tcp

import "time"

// Path MTU discovery (RFC 1191; RFC 1122 §4.2.3.9): the stack hands TCP
// an ICMP "fragmentation needed" (type 3 code 4) that quotes one of this
// connection's segments. TCP lowers its segment size to fit and sends
// again, at once, what the smaller path dropped. The drop was not
// congestion (RFC 1191 §6.5 asks only for the retransmission), so cwnd,
// ssthresh and the retransmission backoff stay as they are, like Linux's
// tcp_simple_retransmit.

// MinPathMTU is the smallest path MTU TCP sizes its segments for: Linux's
// route minimum (ip_rt_min_pmtu, 552 bytes). RFC 1191 §3 allows 68, but
// a forged message could then shrink segments to a few bytes (RFC 5927
// §7); below 552 the stack lets IPv4 fragment instead (it clears DF).
const MinPathMTU = 552

// PathMTU applies a fragmentation-needed message reporting mtu for a
// segment of ours that began at quoted. It reports whether the segment
// size changed.
func (c *Conn) PathMTU(now time.Duration, mtu int, quoted Seq) bool {
	c.now = max(c.now, now)
	// RFC 5927 §4.1 (and Linux's tcp_v4_err): the quoted sequence number
	// must be of data in flight, SND.UNA <= seq < SND.NXT (SND.MAX here,
	// the highest sent, as segments beyond a go-back SND.NXT are in
	// flight too); anything else is stale or forged.
	if !c.synchronized() || quoted.LessThan(c.sndUna) || !quoted.LessThan(c.sndMax) {
		return false
	}
	mtu = max(mtu, MinPathMTU)
	mss := mtu - 40 // IPv4 and TCP headers without options
	if c.tsOK {
		mss -= 12 // as setMSS
	}
	if mss >= c.sndMSS {
		return false
	}
	c.pmtu = mtu
	c.sndMSS, c.ccs.MSS = mss, mss
	c.rttTiming = false // what goes again is ambiguous (Karn, RFC 6298 §3)
	if c.sackOK {
		// The scoreboard: records longer than the new size were dropped
		// on the way; they become lost segments of the new size, which
		// sendLost resends ahead of new data as cwnd allows.
		if c.txq.splitLost(mss) {
			c.scan(false)
			c.ccs.InFlight = c.sb.pipe
		}
		return true
	}
	// Without SACK: go back to SND.UNA and send again in segments of
	// the new size.
	c.sndNxt = c.sndUna
	c.dupAcks, c.retxNow = 0, false
	c.ccs.InFlight = 0
	return true
}

// splitLost cuts every record longer than mss that is not SACKed into
// records of at most mss bytes, marked lost and not retransmitted (the
// larger segment was dropped for its size). It reports whether any
// record changed; at the record limit it changes nothing.
func (t *txQueue) splitLost(mss int) bool {
	need, split := 0, false
	for i := 0; i < t.n; i++ {
		s := t.at(i)
		if l := s.end.Sub(s.start); l > mss && !s.sacked {
			need += (l + mss - 1) / mss
			split = true
		} else {
			need++
		}
	}
	if !split || need > maxTxRecords {
		return false
	}
	size := 8
	for size < need {
		size *= 2 // at() masks offsets
	}
	q := make([]txSeg, size)
	k := 0
	for i := 0; i < t.n; i++ {
		s := *t.at(i)
		if s.end.Sub(s.start) <= mss || s.sacked {
			q[k] = s
			k++
			continue
		}
		for start := s.start; start.LessThan(s.end); start = start.Add(mss) {
			p := s
			p.start = start
			if e := start.Add(mss); e.LessThan(s.end) {
				p.end = e
			}
			p.lost, p.rexmit = true, false
			q[k] = p
			k++
		}
	}
	t.q, t.head, t.n, t.hint = q, 0, k, 0
	t.marked = true
	return true
}

// pathMTU is the MTU the segments are sized for.
func (c *Conn) pathMTU() int {
	if c.pmtu != 0 {
		return c.pmtu
	}
	return c.cfg.MTU
}
