package svc

import (
	"errors"
	"net"
	"os"
	"time"
)

// Conn wraps a served connection: it counts bytes into Stats and, with an
// idle timeout, moves the deadline forward before every Read and Write so
// a stalled peer is dropped. Handlers that set their own deadlines should
// use the Raw connection.
type Conn struct {
	net.Conn
	stats *Stats
	idle  time.Duration
}

// Raw returns the wrapped connection.
func (c *Conn) Raw() net.Conn { return c.Conn }

func (c *Conn) Read(p []byte) (int, error) {
	if c.idle > 0 {
		c.Conn.SetReadDeadline(time.Now().Add(c.idle))
	}
	n, err := c.Conn.Read(p)
	c.stats.AddIn(n)
	return n, err
}

func (c *Conn) Write(p []byte) (int, error) {
	if c.idle > 0 {
		c.Conn.SetWriteDeadline(time.Now().Add(c.idle))
	}
	n, err := c.Conn.Write(p)
	c.stats.AddOut(n)
	return n, err
}

// CloseWrite shuts down the sending side when the connection supports it
// (*net.TCPConn and tcpbox's conns do); otherwise it does nothing.
func (c *Conn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// Reset closes the connection with a RST where the connection supports
// SetLinger (RFC 9293 §3.10.4: ABORT sends a reset), else plainly.
func Reset(c net.Conn) error {
	if w, ok := c.(*Conn); ok {
		c = w.Conn
	}
	if l, ok := c.(interface{ SetLinger(int) error }); ok {
		l.SetLinger(0)
	}
	return c.Close()
}

// Reason classifies a connection error for the error counters: "" for a
// clean end (EOF, closed by us), else a short reason.
func Reason(err error) string {
	switch {
	case err == nil, errors.Is(err, net.ErrClosed):
		return ""
	case errors.Is(err, os.ErrDeadlineExceeded):
		return "idle_timeout"
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "idle_timeout"
	}
	return "io_error"
}

// NewConn wraps c as Serve does, for handlers driven directly (tests,
// fuzzing over net.Pipe).
func NewConn(c net.Conn, st *Stats, idle time.Duration) *Conn {
	return &Conn{Conn: c, stats: st, idle: idle}
}
