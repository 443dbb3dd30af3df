package tcp

import (
	"io"
	"net/netip"
)

// The application's side of a connection: reading, writing, closing.

// Write copies p into the send buffer and returns how much fitted.
func (c *Conn) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	if c.writeClosed || c.userClosed {
		return 0, ErrWriteClosed
	}
	switch c.state {
	case SynSent, SynReceived, Established, CloseWait:
	default:
		return 0, ErrNotConnected
	}
	n := c.snd.write(p)
	if n < len(p) {
		c.sndNoSpace = true // the writer will wait for space (sendtune.go)
	}
	return n, nil
}

// Read copies received in-order bytes into p. After the peer's FIN and
// once the buffer is drained it returns io.EOF; after a reset, the error.
func (c *Conn) Read(p []byte) (int, error) {
	if c.rcv.n > 0 {
		before := c.rcvWindowAvail()
		n := c.rcv.read(p)
		c.noteRead(n, before)
		return n, nil
	}
	if c.err != nil {
		return 0, c.err
	}
	if c.peerFin {
		return 0, io.EOF
	}
	if c.state == Closed {
		return 0, ErrClosed
	}
	return 0, nil
}

// Readable reports whether Read would return data, EOF or an error.
func (c *Conn) Readable() bool {
	return c.rcv.n > 0 || c.peerFin || c.err != nil || c.state == Closed
}

// WriteSpace is the free space in the send buffer (0 once writing is over).
func (c *Conn) WriteSpace() int {
	if c.writeClosed || c.userClosed || c.err != nil {
		return 0
	}
	return c.snd.free()
}

// Err is why the connection failed, or nil.
func (c *Conn) Err() error { return c.err }

// State is the connection's RFC 9293 state.
func (c *Conn) State() State { return c.state }

// Events returns the readiness bits set since the last call and clears them.
func (c *Conn) Events() Events {
	e := c.events
	c.events = 0
	return e
}

// Done reports that the connection is CLOSED with nothing left to send:
// the glue may drop it from its tables.
func (c *Conn) Done() bool { return c.state == Closed && !c.rstPending }

// Local and Remote are the connection's endpoints.
func (c *Conn) Local() netip.AddrPort  { return c.local }
func (c *Conn) Remote() netip.AddrPort { return c.remote }

// CloseWrite queues our FIN after the buffered data (half-close, RFC 9293
// §3.10.4): the connection keeps receiving.
func (c *Conn) CloseWrite() error {
	if c.err != nil {
		return c.err
	}
	switch c.state {
	case SynSent:
		if c.writeClosed {
			return nil
		}
	case SynReceived, Established, CloseWait:
	case FinWait1, FinWait2, Closing, LastAck, TimeWait:
		return nil
	default:
		return ErrNotConnected
	}
	c.writeClosed = true
	c.finQueued = true
	c.finStateChange()
	return nil
}

// finStateChange takes the state step of a CLOSE (RFC 9293 §3.10.4):
// ESTABLISHED -> FIN-WAIT-1, CLOSE-WAIT -> LAST-ACK. SYN-RECEIVED waits
// for ESTABLISHED first.
func (c *Conn) finStateChange() {
	switch c.state {
	case Established:
		c.setState(c.now, FinWait1)
	case CloseWait:
		c.setState(c.now, LastAck)
	}
}

// Close closes both directions. With unread received data it resets the
// connection instead (RFC 9293 §3.10.4 allows it; RFC 2525 §2.17 and
// Linux do it so the peer learns its data was lost). In SYN-SENT it just
// goes to CLOSED.
func (c *Conn) Close() error {
	if c.userClosed {
		return nil
	}
	c.userClosed = true
	c.readClosed = true
	switch c.state {
	case Closed:
		return nil
	case SynSent:
		c.setState(c.now, Closed)
		c.err = ErrClosed
		return nil
	}
	if c.rcv.n > 0 || !c.ooo.empty() {
		c.Abort()
		return nil
	}
	if !c.writeClosed {
		c.writeClosed = true
		c.finQueued = true
		c.finStateChange()
	}
	return nil
}

// Abort sends a RST (if synchronized or SYN-RECEIVED) and goes to CLOSED
// (RFC 9293 §3.10.5).
func (c *Conn) Abort() {
	switch c.state {
	case SynReceived, Established, FinWait1, FinWait2, CloseWait:
		c.rst = Segment{Seq: c.sndMax, Flags: RST}
		c.rstPending = true
	}
	if c.err == nil {
		c.err = ErrAborted
	}
	c.userClosed, c.readClosed, c.writeClosed = true, true, true
	c.setState(c.now, Closed)
}
