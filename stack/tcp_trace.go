package stack

import (
	"fmt"

	"github.com/tcpbox/tcpbox/stack/tcp/cc"
)

// The per-connection congestion trace (issue 4): tcp.Conn records one
// cc.TracePoint per ACK and per recovery event into a bounded ring when
// the dial's or listener's tcp.Config has TracePoints > 0.

// WithTrace keeps a trace of the last n ACKs and events on each
// connection (n*~100 bytes of memory per connection); 0 keeps none.
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
