package stack

import (
	"fmt"
	"time"

	"github.com/tcpbox/tcpbox/stack/tcp/cc"
)

// The per-connection congestion trace (issue 4): tcp.Conn records one
// cc.TracePoint per ACK and per recovery event into a bounded ring, and
// folds them into a bounded cc.History of the whole connection, when the
// dial's or listener's tcp.Config has TracePoints > 0.

// WithTrace keeps a trace of the last n ACKs and events on each
// connection (n*~100 bytes of memory per connection), and a history of
// the whole connection in at most cc.HistoryPoints intervals (48 KiB);
// both grow only as the connection sends data. 0 keeps neither.
func WithTrace(n int) TCPOption {
	return func(o *tcpOptions) error {
		if n < 0 || n > 1<<16 {
			return fmt.Errorf("stack: trace of %d points not in [0, 65536]", n)
		}
		o.cfg.TracePoints = n
		return nil
	}
}

// Trace appends the connection's trace points, oldest first, to dst
// (dst unchanged when the connection keeps no trace).
func (c *TCPConn) Trace(dst []cc.TracePoint) []cc.TracePoint {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tc.Trace(dst)
}

// TCPTrace returns the trace of the connection whose tcp.Info.ID is id,
// and false if the stack holds no such connection.
func (s *Stack) TCPTrace(id uint64) ([]cc.TracePoint, bool) {
	for _, c := range s.tcp().table.snapshotConns() {
		if c.id == id {
			return c.Trace(nil), true
		}
	}
	return nil, false
}

// TCPTraceData is a connection's trace and history, copied out under its
// lock so that the two agree.
type TCPTraceData struct {
	Points   []cc.TracePoint   // the per-ACK ring, oldest first
	History  []cc.HistoryPoint // the whole connection, oldest first
	Interval time.Duration     // each history point's interval; 0 before any
	Opened   time.Duration     // when the connection was made, on the clock of the points' At
	Now      time.Duration     // that clock when they were copied
}

// TCPTraceData returns the trace and history of the connection whose
// tcp.Info.ID is id, and false if the stack holds no such connection.
func (s *Stack) TCPTraceData(id uint64) (TCPTraceData, bool) {
	for _, c := range s.tcp().table.snapshotConns() {
		if c.id == id {
			c.mu.Lock()
			defer c.mu.Unlock()
			d := TCPTraceData{Points: c.tc.Trace(nil), Now: s.now()}
			d.History, d.Interval, d.Opened = c.tc.History(nil)
			return d, true
		}
	}
	return TCPTraceData{}, false
}
