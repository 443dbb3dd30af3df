package stack

import (
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// TestTCPSocketOptions: each setter reaches the state machine (as its
// TCB snapshot shows) and fails with net.ErrClosed after Close.
func TestTCPSocketOptions(t *testing.T) {
	_, c, s := establishedPair(t)
	if err := c.SetNoDelay(true); err != nil {
		t.Fatal(err)
	}
	if err := c.SetCork(true); err != nil {
		t.Fatal(err)
	}
	if err := c.SetWriteBuffer(96 << 10); err != nil {
		t.Fatal(err)
	}
	if err := c.SetReadBuffer(48 << 10); err != nil {
		t.Fatal(err)
	}
	if err := c.SetKeepAlive(true); err != nil {
		t.Fatal(err)
	}
	i := c.TCPInfo()
	if !i.NoDelay || !i.Corked || i.SndBuf != 96<<10 || i.RcvBuf != 48<<10 {
		t.Fatalf("options not in the snapshot: nodelay=%v corked=%v sndbuf=%d rcvbuf=%d", i.NoDelay, i.Corked, i.SndBuf, i.RcvBuf)
	}
	// Corked, a short write waits; uncorking sends it.
	if _, err := c.Write([]byte("corked")); err != nil {
		t.Fatal(err)
	}
	s.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if n, err := s.Read(make([]byte, 16)); n != 0 {
		t.Fatalf("corked data sent: %d bytes (%v)", n, err)
	}
	c.SetCork(false)
	s.SetReadDeadline(time.Now().Add(ioTimeout))
	buf := make([]byte, 6)
	if _, err := io.ReadFull(s, buf); err != nil || string(buf) != "corked" {
		t.Fatalf("after uncork: %q %v", buf, err)
	}
	for _, d := range []time.Duration{0, -1, time.Second, 1500 * time.Millisecond} {
		if err := c.SetKeepAlivePeriod(d); err != nil {
			t.Fatalf("SetKeepAlivePeriod(%v): %v", d, err)
		}
	}
	c.Close()
	for name, err := range map[string]error{
		"SetNoDelay": c.SetNoDelay(false), "SetReadBuffer": c.SetReadBuffer(1), "SetLinger": c.SetLinger(0),
		"SetKeepAlivePeriod": c.SetKeepAlivePeriod(time.Second), "SetKeepAliveConfig": c.SetKeepAliveConfig(net.KeepAliveConfig{}),
		"SetDeadline": c.SetDeadline(time.Time{}), "CloseWrite": c.CloseWrite(), "CloseRead": c.CloseRead(),
	} {
		if !errors.Is(err, net.ErrClosed) {
			t.Errorf("%s after Close: %v", name, err)
		}
	}
}

// TestTCPCloseRead: after CloseRead, Read returns EOF and later data is
// discarded without closing the window; writing still works.
func TestTCPCloseRead(t *testing.T) {
	_, c, s := establishedPair(t)
	if err := s.CloseRead(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("read after CloseRead: %v", err)
	}
	// More than the receive window's worth goes through: it is discarded.
	c.SetWriteDeadline(time.Now().Add(ioTimeout))
	if _, err := c.Write(make([]byte, 4<<20)); err != nil {
		t.Fatalf("writing to a peer that shut its read side: %v", err)
	}
	if _, err := s.Write([]byte("still writing")); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(ioTimeout))
	buf := make([]byte, 13)
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "still writing" {
		t.Fatalf("%q %v", buf, err)
	}
}
