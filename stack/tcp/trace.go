package tcp

import (
	"time"

	"github.com/tcpbox/tcpbox/stack/tcp/cc"
)

// The per-connection congestion trace: one cc.TracePoint per ACK that
// acknowledged or SACKed data, and one per event (recovery entered and
// left, timeout, undo), in a ring of Config.TracePoints. Recording never
// allocates; Trace copies the ring out.

// traceAck samples the state after an ACK.
func (c *Conn) traceAck(now time.Duration) {
	if c.trace == nil || c.algo == nil {
		return
	}
	p := cc.PointOf(now, &c.ccs, c.algo, c.ccAck.Rate, cc.EventInvalid)
	p.PacingRate = c.pacingRate() // what the pacer uses, for every algorithm
	c.trace.Record(p)
}

// traceEvent samples the state at an event.
func (c *Conn) traceEvent(now time.Duration, ev cc.Event) {
	if c.trace == nil || c.algo == nil {
		return
	}
	p := cc.PointOf(now, &c.ccs, c.algo, cc.RateSample{}, ev)
	p.PacingRate = c.pacingRate()
	c.trace.Record(p)
}

// Trace appends the trace points held, oldest first, to dst. It returns
// dst unchanged when the connection keeps no trace (Config.TracePoints
// is 0).
func (c *Conn) Trace(dst []cc.TracePoint) []cc.TracePoint {
	if c.trace == nil {
		return dst
	}
	return c.trace.Snapshot(dst)
}
