package tcp

import (
	"fmt"

	"github.com/tcpbox/tcpbox/stack/tcp/cc"
)

// Per-connection settings that are otherwise chosen at the handshake
// (Config.Congestion, Config.MSSClamp), changed on a connection already
// established, as Linux allows TCP_CONGESTION and TCP_MAXSEG on a
// connected socket: a server can then give each accepted connection its
// own without a listener per setting.

// minUserMSS is the smallest MSS SetMaxSeg accepts (as Config.MSSClamp).
const minUserMSS = 64

// SetCongestion replaces the congestion-control algorithm by name (as
// cc.New, with the connection's InitialCwnd), like TCP_CONGESTION on a
// connected socket. A connection that has sent no data yet starts the new
// algorithm from its initial window, exactly as if the listener had chosen
// it; one that has keeps its congestion window and slow-start threshold and
// the new algorithm continues from them (Linux's
// tcp_reinit_congestion_control keeps snd_cwnd too). ErrState before the
// connection is established.
func (c *Conn) SetCongestion(name string) error {
	a, err := cc.New(name, cc.Options{InitialWindow: c.cfg.InitialCwnd})
	if err != nil {
		return err
	}
	if c.algo == nil {
		return ErrState
	}
	c.algo = a
	c.initCC()
	return nil
}

// initCC (re)starts c.algo on the current MSS: from its initial window
// before any data was sent, else from the window the connection has.
func (c *Conn) initCC() {
	cwnd, ssthresh := c.ccs.Cwnd, c.ccs.Ssthresh
	c.ccs.MSS = c.sndMSS
	c.algo.Init(&c.ccs, c.now)
	if c.stats.bytesSent > 0 {
		c.ccs.Cwnd, c.ccs.Ssthresh = cwnd, ssthresh
	}
}

// SetMaxSeg bounds the payload per segment we send to mss bytes (less
// the timestamp option's 12 when in use), like TCP_MAXSEG: 0 removes the
// bound; otherwise it must be at least 64. It never raises the MSS above
// what the handshake allowed (RFC 9293 §3.7.1: the peer's MSS option).
// Before the handshake it takes effect when the connection is
// established; on an established connection at once, and one that has
// sent no data yet also has its initial window recounted in segments of
// the new size (RFC 6928 counts it in segments).
func (c *Conn) SetMaxSeg(mss int) error {
	if mss != 0 && mss < minUserMSS {
		return fmt.Errorf("tcp: MSS %d below %d", mss, minUserMSS)
	}
	c.userMSS = mss
	if c.algo == nil { // not established yet: setMSS applies it
		return nil
	}
	c.sndMSS = c.sendMSS()
	if c.stats.bytesSent == 0 {
		c.initCC()
	} else {
		c.ccs.MSS = c.sndMSS
	}
	return nil
}
