package svc

import (
	"errors"
	"net"
	"sync"
	"time"
)

// LimitListener wraps ln for servers that run their own accept loop (such
// as net/http): Accept admits each connection against lim (refusing over
// the limit with a reset, counted by reason), counts it and its bytes in
// st, and the connection's Close releases its slot. IdleTimeout is not
// applied here: such servers set their own deadlines.
func LimitListener(ln net.Listener, lim Limits, st *Stats) net.Listener {
	return &limitListener{Listener: ln, adm: newAdmission(lim), st: st}
}

type limitListener struct {
	net.Listener
	adm *admission
	st  *Stats
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return nil, err
		}
		ip := addrOf(c.RemoteAddr())
		if ok, reason := l.adm.admit(ip); !ok {
			l.st.Rejected(reason)
			Reset(c)
			continue
		}
		l.st.Opened()
		return &limitedConn{Conn: Conn{Conn: c, stats: l.st}, release: func() {
			l.adm.release(ip)
			l.st.Closed()
		}}, nil
	}
}

type limitedConn struct {
	Conn
	once    sync.Once
	release func()
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// Deadlines pass straight through (Conn's idle logic is off here).
func (c *limitedConn) SetDeadline(t time.Time) error      { return c.Conn.Conn.SetDeadline(t) }
func (c *limitedConn) SetReadDeadline(t time.Time) error  { return c.Conn.Conn.SetReadDeadline(t) }
func (c *limitedConn) SetWriteDeadline(t time.Time) error { return c.Conn.Conn.SetWriteDeadline(t) }
