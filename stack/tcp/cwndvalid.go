package tcp

// Congestion-window validation, the sender's half: after each pass that
// sends new data, record whether the window limited the flight, as
// Linux's tcp_write_xmit and tcp_cwnd_validate do, into cc.Sender's
// CwndFull and MaxFlight. The algorithms ask cc.Sender.CwndLimited (Linux's
// tcp_is_cwnd_limited) before they grow the window, so a window the
// application leaves unused does not grow (RFC 7661's intent, RFC 9438
// §5.8).
//
// The state describes one window of data: it starts at a transmission and
// ends once SND.UNA reaches what was SND.MAX then (Linux's
// cwnd_usage_seq). Within a window it keeps the strongest sign of use: once
// the window was found full it stays full until the window ends; until
// then MaxFlight follows the largest flight. A new window starts from the
// next transmission's measure.

// cwndValidate is called at the end of sendData's new-data pass; sent
// reports whether the pass sent new (or, after a timeout, rewound) data
// or a FIN.
func (c *Conn) cwndValidate(sent bool) {
	// Linux: is_cwnd_limited |= packets_in_flight >= cwnd. In bytes, the
	// window is full when it has no room for another full segment.
	full := c.ccs.Cwnd-c.inflight() < c.sndMSS
	if !sent && !full {
		return // Linux calls tcp_cwnd_validate only if sent_pkts || is_cwnd_limited
	}
	s := &c.ccs
	out := c.sndMax.Sub(c.sndUna) // Linux's packets_out: all data not cumulatively acknowledged
	if c.sndUna.GreaterEq(c.cwndUseEnd) || full || (!s.CwndFull && out > s.MaxFlight) {
		s.CwndFull, s.MaxFlight = full, out
		c.cwndUseEnd = c.sndMax
	}
}
