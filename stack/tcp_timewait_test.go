package stack

import (
	"io"
	"net/netip"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/stack/tcp"
)

// waitFor polls cond (the stacks work on their own goroutines) for up to
// ioTimeout of real time; the stacks' clock does not move meanwhile.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(ioTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func states(s *Stack) map[tcp.State]int {
	m := map[tcp.State]int{}
	for _, i := range s.TCPConnections() {
		m[i.State]++
	}
	return m
}

// TestTCPTimeWaitTwoMSL: on a manual clock, the side that closes first
// holds TIME-WAIT for exactly 2*MSL (RFC 9293 §3.4.2) and then forgets
// the connection; meanwhile a listener can be opened on the port
// (SO_REUSEADDR semantics).
func TestTCPTimeWaitTwoMSL(t *testing.T) {
	const msl = 5 * time.Second
	clk := NewManualClock()
	p := newTCPPair(t, tcpPairOptions{clock: clk})
	cfg := p.b.TCPConfig()
	cfg.MSL = msl
	if err := p.b.SetTCPConfig(cfg); err != nil {
		t.Fatal(err)
	}
	ln, err := p.b.ListenTCP(netip.MustParseAddrPort("0.0.0.0:10"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := p.a.DialTCP(dialCtx(t), netip.AddrPortFrom(p.bAddr, 10), WithNoDelay(true))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ln.SetDeadline(time.Now().Add(ioTimeout))
	s, err := ln.AcceptTCP()
	if err != nil {
		t.Fatal(err)
	}
	s.Close() // b closes first: FIN-WAIT-1, FIN-WAIT-2, then TIME-WAIT
	c.SetReadDeadline(time.Now().Add(ioTimeout))
	if _, err := c.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("read after the peer's FIN: %v", err)
	}
	c.Close()
	waitFor(t, "TIME-WAIT on b and nothing on a", func() bool {
		return states(p.b)[tcp.TimeWait] == 1 && len(p.a.TCPConnections()) == 0
	})
	ln.Close()
	ln2, err := p.b.ListenTCP(netip.MustParseAddrPort("0.0.0.0:10"))
	if err != nil {
		t.Fatalf("listen on a port held in TIME-WAIT: %v", err)
	}
	defer ln2.Close()

	clk.Advance(2*msl - time.Millisecond)
	// Give the timer goroutine its chance; TIME-WAIT must still hold.
	time.Sleep(20 * time.Millisecond)
	if states(p.b)[tcp.TimeWait] != 1 {
		t.Fatalf("TIME-WAIT released before 2*MSL: %v", states(p.b))
	}
	clk.Advance(2 * time.Millisecond)
	waitFor(t, "TIME-WAIT released after 2*MSL", func() bool { return len(p.b.TCPConnections()) == 0 })
}
