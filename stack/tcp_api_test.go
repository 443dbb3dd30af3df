package stack

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/stack/tcp"
)

func testCfg() tcp.Config {
	c := tcp.DefaultConfig()
	c.MSL = 200 * time.Millisecond
	return c
}

func dialCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// pairEcho starts an echo server on b:7 and returns a connection from a.
func pairEcho(t *testing.T, p *tcpPair) (*TCPListener, *TCPConn) {
	t.Helper()
	ln, err := p.b.ListenTCP(netip.MustParseAddrPort("0.0.0.0:7"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				io.Copy(c, c)
				c.(*TCPConn).CloseWrite()
			}()
		}
	}()
	c, err := p.a.DialTCP(dialCtx(t), netip.AddrPortFrom(p.bAddr, 7))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return ln, c
}

func TestTCPPairEchoHalfClose(t *testing.T) {
	p := newTCPPair(t, tcpPairOptions{})
	_, c := pairEcho(t, p)
	if c.LocalAddrPort().Addr() != p.aAddr || c.RemoteAddrPort().Port() != 7 {
		t.Fatalf("addresses %v -> %v", c.LocalAddr(), c.RemoteAddr())
	}
	msg := make([]byte, 1<<20)
	rand.Read(msg)
	want := sha256.Sum256(msg)
	errc := make(chan error, 1)
	go func() {
		_, err := c.Write(msg)
		if err == nil {
			err = c.CloseWrite()
		}
		errc <- err
	}()
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	got, err := io.ReadAll(c)
	if err != nil {
		p.dump(t)
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if sha256.Sum256(got) != want || len(got) != len(msg) {
		t.Fatalf("echo returned %d bytes, differing", len(got))
	}
	info := c.TCPInfo()
	if info.BytesAcked < uint64(len(msg)) && info.BytesReceived < uint64(len(msg)) {
		t.Fatalf("info counters not moving: %+v", info)
	}
}

func TestTCPPairRefused(t *testing.T) {
	p := newTCPPair(t, tcpPairOptions{})
	_, err := p.a.DialTCP(dialCtx(t), netip.AddrPortFrom(p.bAddr, 9))
	var oe *net.OpError
	if !errors.As(err, &oe) || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial to a closed port: %v, want *net.OpError ECONNREFUSED", err)
	}
	if p.b.tcp().resetsSent.Load() == 0 {
		t.Fatal("no RST counted for a segment that matched nothing")
	}
}

func TestTCPPairReadDeadline(t *testing.T) {
	p := newTCPPair(t, tcpPairOptions{})
	_, c := pairEcho(t, p)
	c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	var b [10]byte
	_, err := c.Read(b[:])
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read past deadline: %v", err)
	}
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("deadline error is not a net.Error timeout: %v", err)
	}
	// Clearing the deadline makes the connection usable again.
	c.SetReadDeadline(time.Time{})
	if _, err := c.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.ReadFull(c, b[:1]); err != nil || b[0] != 'x' {
		t.Fatalf("read after deadline cleared: %v %q", err, b[:1])
	}
}

func TestTCPPairClosedErrors(t *testing.T) {
	p := newTCPPair(t, tcpPairOptions{})
	_, c := pairEcho(t, p)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("read after close: %v", err)
	}
	if _, err := c.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("write after close: %v", err)
	}
	if err := c.Close(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("second close: %v", err)
	}
}

func TestTCPPairResetByLinger0(t *testing.T) {
	p := newTCPPair(t, tcpPairOptions{})
	ln, err := p.b.ListenTCP(netip.MustParseAddrPort("0.0.0.0:8"))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := p.a.DialTCP(dialCtx(t), netip.AddrPortFrom(p.bAddr, 8))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ln.SetDeadline(time.Now().Add(20 * time.Second))
	s, err := ln.AcceptTCP()
	if err != nil {
		t.Fatal(err)
	}
	s.SetLinger(0)
	s.Close()
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	_, err = c.Read(make([]byte, 1))
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("read after peer's abort: %v, want ECONNRESET", err)
	}
}

func TestTCPPairAcceptDeadlineAndClose(t *testing.T) {
	p := newTCPPair(t, tcpPairOptions{})
	ln, err := p.b.ListenTCP(netip.MustParseAddrPort("0.0.0.0:9"))
	if err != nil {
		t.Fatal(err)
	}
	ln.SetDeadline(time.Now().Add(30 * time.Millisecond))
	if _, err := ln.Accept(); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("accept past deadline: %v", err)
	}
	if _, err := p.b.ListenTCP(netip.MustParseAddrPort("0.0.0.0:9")); !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("second listener on a port: %v", err)
	}
	ln.Close()
	if _, err := ln.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("accept after close: %v", err)
	}
	// The port is free again.
	ln2, err := p.b.ListenTCP(netip.MustParseAddrPort("0.0.0.0:9"))
	if err != nil {
		t.Fatal(err)
	}
	ln2.Close()
}

func TestTCPPairWriteDeadline(t *testing.T) {
	p := newTCPPair(t, tcpPairOptions{})
	ln, err := p.b.ListenTCP(netip.MustParseAddrPort("0.0.0.0:11"))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := p.a.DialTCP(dialCtx(t), netip.AddrPortFrom(p.bAddr, 11), WithBuffers(64<<10, 0))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Nobody reads on b: the peer's window and our send buffer fill, then
	// Write blocks until its deadline.
	c.SetWriteDeadline(time.Now().Add(500 * time.Millisecond))
	n, err := c.Write(make([]byte, 64<<20))
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("write into a full window: n=%d err=%v", n, err)
	}
	if n == 0 || n >= 64<<20 {
		t.Fatalf("wrote %d bytes before the deadline", n)
	}
}
