package tcp

import (
	"time"

	"github.com/tcpbox/tcpbox/stack/tcp/cc"
)

// The per-connection congestion trace: one cc.TracePoint per ACK that
// acknowledged or SACKed data, and one per event (recovery entered and
// left, timeout, undo), in a ring of Config.TracePoints, and the coarse
// cc.History of the whole connection that the same points feed. Both
// allocate only once the connection sends data, and not at all in steady
// state; Trace and History copy them out.

// traceAck samples the state after an ACK. The ACK of our SYN delivers
// no data and is not sampled: a connection that never sends data keeps
// an empty trace, which has allocated nothing.
func (c *Conn) traceAck(now time.Duration) {
	if c.trace == nil || c.algo == nil || c.rs.Delivered() == 0 {
		return
	}
	p := cc.PointOf(now, &c.ccs, c.algo, c.ccAck.Rate, cc.EventInvalid)
	p.Delivered = c.rs.Delivered()
	p.PacingRate = c.pacingRate() // what the pacer uses, for every algorithm
	c.trace.Record(p)
}

// traceEvent samples the state at an event.
func (c *Conn) traceEvent(now time.Duration, ev cc.Event) {
	if c.trace == nil || c.algo == nil {
		return
	}
	p := cc.PointOf(now, &c.ccs, c.algo, cc.RateSample{}, ev)
	p.Delivered = c.rs.Delivered()
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

// History appends the connection's coarse history, oldest first, to dst,
// and returns the length of each point's interval (0 when the connection
// keeps no trace or has sent nothing yet) and when the connection was
// made, on the stack's clock as the points' At.
func (c *Conn) History(dst []cc.HistoryPoint) (pts []cc.HistoryPoint, interval, opened time.Duration) {
	if c.trace == nil {
		return dst, 0, c.created
	}
	pts, interval = c.trace.History(dst)
	return pts, interval, c.created
}
