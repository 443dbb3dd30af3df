package tcp

import "github.com/tcpbox/tcpbox/stack/tcp/cc"

// pacingRate is the rate the connection paces at, bytes per second, 0
// for none: a self-pacing algorithm's own (BBR), else, with Config.Pacing
// or a MaxPacingRate, the window's (cc.WindowPacingRate, Linux's
// tcp_update_pacing_rate); capped at MaxPacingRate (SO_MAX_PACING_RATE).
// tcp_info's pacing_rate reports it.
func (c *Conn) pacingRate() uint64 {
	var r uint64
	if _, ok := c.algo.(cc.SelfPacer); ok {
		r = c.ccs.PacingRate
	} else if c.cfg.Pacing || c.cfg.MaxPacingRate > 0 {
		r = cc.WindowPacingRate(&c.ccs)
	}
	if m := c.cfg.MaxPacingRate; m > 0 && (r == 0 || r > m) {
		// Linux paces at the cap before the first RTT sample too.
		r = m
	}
	return r
}

// pacingBurst is the bytes the pacer lets leave back to back at rate:
// the algorithm's send quantum if it has one (BBR), else about 1 ms of
// data and at least two segments (cc.PacingQuantum).
func (c *Conn) pacingBurst(rate uint64) int {
	if q, ok := c.algo.(cc.Quantizer); ok {
		return q.SendQuantum(&c.ccs)
	}
	return cc.PacingQuantum(rate, c.sndMSS)
}
