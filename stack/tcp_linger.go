package stack

import (
	"time"

	"github.com/tcpbox/tcpbox/stack/tcp"
)

// Close with SetLinger(n > 0), as Linux's SO_LINGER: Close sends the FIN
// after the queued data as usual, then blocks until the peer has
// acknowledged everything, FIN included (the connection has left
// FIN-WAIT-1, CLOSING and LAST-ACK), or until n seconds of the stack's
// clock have passed; then the connection is aborted with a RST (RFC 9293
// §3.10.4, ABORT), discarding what was not acknowledged.

// finUnacked reports whether our FIN is still unacknowledged.
func finUnacked(s tcp.State) bool {
	return s == tcp.FinWait1 || s == tcp.Closing || s == tcp.LastAck
}

// lingerClose waits for the close Close began (mu not held), at most d.
func (c *TCPConn) lingerClose(d time.Duration) {
	s := c.st.s
	end := s.now() + d
	// The stack's timer wakes the wait at the end, on the stack's clock
	// (a manual clock in tests); flushLocked wakes it at every change
	// while lingering is set.
	t := s.newTimer(func(time.Duration) { c.writeSig.poke() })
	s.schedule(t, end)
	defer s.cancel(t)
	c.mu.Lock()
	c.lingering = true
	for {
		if c.gone || !finUnacked(c.tc.State()) {
			break
		}
		if now := s.now(); now >= end {
			c.tc.Abort()
			c.flushLocked(now)
			break
		}
		c.mu.Unlock()
		<-c.writeSig
		c.mu.Lock()
	}
	c.lingering = false
	c.mu.Unlock()
}
