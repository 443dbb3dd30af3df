package stack

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"syscall"
	"testing"
	"time"
)

func TestTCPCongestionByName(t *testing.T) {
	p := newTCPPair(t, tcpPairOptions{})
	ln, err := p.b.ListenTCP(netip.MustParseAddrPort("0.0.0.0:12"))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := p.a.DialTCP(dialCtx(t), netip.AddrPortFrom(p.bAddr, 12), WithCongestion("newreno"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got := c.TCPInfo().Congestion; got != "newreno" {
		t.Fatalf("congestion %q, want newreno", got)
	}
	if _, err := p.a.DialTCP(dialCtx(t), netip.AddrPortFrom(p.bAddr, 12), WithCongestion("nonesuch")); err == nil {
		t.Fatal("unknown congestion control accepted")
	}
	// IDs are unique per stack.
	c2, err := p.a.DialTCP(dialCtx(t), netip.AddrPortFrom(p.bAddr, 12))
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if a, b := c.TCPInfo().ID, c2.TCPInfo().ID; a == 0 || a == b {
		t.Fatalf("connection IDs %d and %d", a, b)
	}
}

// TestTCPDialTimeout: SYNs to an address nobody answers for are retried
// SynRetries times, then the dial fails with ETIMEDOUT.
func TestTCPDialTimeout(t *testing.T) {
	p := newTCPPair(t, tcpPairOptions{})
	cfg := p.a.TCPConfig()
	cfg.SynRetries = 1
	cfg.InitialRTO = 50 * time.Millisecond
	cfg.MinRTO = 50 * time.Millisecond
	_, err := p.a.DialTCP(dialCtx(t), netip.MustParseAddrPort("198.18.0.99:7"), WithConfig(cfg))
	if !errors.Is(err, syscall.ETIMEDOUT) {
		t.Fatalf("dial to nobody: %v, want ETIMEDOUT", err)
	}
	if n := len(p.a.TCPConnections()); n != 0 {
		t.Fatalf("%d connections left after a failed dial", n)
	}
}

// TestTCPDialContext: a dial whose context ends is abandoned with a
// timeout error and leaves nothing behind; Dial and Listen take strings.
func TestTCPDialContext(t *testing.T) {
	p := newTCPPair(t, tcpPairOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := p.a.DialTCP(ctx, netip.MustParseAddrPort("198.18.0.99:7"))
	var ne net.Error
	if !errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("dial past its context deadline: %v", err)
	}
	waitFor(t, "the abandoned dial forgotten", func() bool { return len(p.a.TCPConnections()) == 0 })

	ln, err := p.b.Listen("tcp", ":15")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := p.a.Dial("tcp4", "198.18.0.2:15")
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if _, err := p.a.Dial("udp", "198.18.0.2:15"); err == nil {
		t.Fatal("Dial accepted udp")
	}
	if _, err := p.a.Dial("tcp", "no-such-host:15"); err == nil {
		t.Fatal("Dial accepted a name")
	}
}
