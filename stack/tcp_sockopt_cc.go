package stack

// Options otherwise chosen at the handshake, changed on an established
// connection (tcp.Conn.SetCongestion, tcp.Conn.SetMaxSeg): a server gives
// each accepted connection its own without re-creating its listener.

// setoptErr is setopt for a setter that may refuse its value.
func (c *TCPConn) setoptErr(f func() error) error {
	var err error
	if serr := c.setopt(func() { err = f() }); serr != nil {
		return serr
	}
	if err != nil {
		return c.opErr("set", err)
	}
	return nil
}

// SetCongestion replaces the connection's congestion-control algorithm by
// name, like TCP_CONGESTION on a connected socket; see
// tcp.Conn.SetCongestion for what carries over.
func (c *TCPConn) SetCongestion(name string) error {
	return c.setoptErr(func() error { return c.tc.SetCongestion(name) })
}

// SetMaxSeg bounds the payload of the segments the connection sends, like
// TCP_MAXSEG on a connected socket (0 removes the bound); see
// tcp.Conn.SetMaxSeg.
func (c *TCPConn) SetMaxSeg(mss int) error {
	return c.setoptErr(func() error { return c.tc.SetMaxSeg(mss) })
}
