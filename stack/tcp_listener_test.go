package stack

import (
	"errors"
	"net/netip"
	"syscall"
	"testing"
	"time"
)

// TestTCPListenerCloseResetsQueue: connections the stack accepted but the
// application never took are reset when the listener closes, as Linux
// does, so their peers learn at once.
func TestTCPListenerCloseResetsQueue(t *testing.T) {
	p := newTCPPair(t, tcpPairOptions{})
	ln, err := p.b.ListenTCP(netip.MustParseAddrPort("0.0.0.0:13"))
	if err != nil {
		t.Fatal(err)
	}
	var cs []*TCPConn
	for i := 0; i < 3; i++ {
		c, err := p.a.DialTCP(dialCtx(t), netip.AddrPortFrom(p.bAddr, 13))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		cs = append(cs, c)
	}
	waitFor(t, "three connections queued", func() bool { return ln.Stats().AcceptQueue == 3 })
	ln.Close()
	for i, c := range cs {
		c.SetReadDeadline(time.Now().Add(ioTimeout))
		if _, err := c.Read(make([]byte, 1)); !errors.Is(err, syscall.ECONNRESET) {
			t.Fatalf("conn %d after the listener closed: %v, want ECONNRESET", i, err)
		}
	}
	// And new SYNs are refused.
	if _, err := p.a.DialTCP(dialCtx(t), netip.AddrPortFrom(p.bAddr, 13)); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial after close: %v", err)
	}
}

// TestTCPListenerBacklog: with a backlog of 2 and nobody accepting, a
// third handshake does not complete, and it does once the application
// accepts (after the client's SYN retransmission, about a second).
func TestTCPListenerBacklog(t *testing.T) {
	p := newTCPPair(t, tcpPairOptions{})
	ln, err := p.b.ListenTCP(netip.MustParseAddrPort("0.0.0.0:14"), WithBacklog(2))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	for i := 0; i < 2; i++ {
		c, err := p.a.DialTCP(dialCtx(t), netip.AddrPortFrom(p.bAddr, 14))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	waitFor(t, "two connections queued", func() bool { return ln.Stats().AcceptQueue == 2 })
	third := make(chan error, 1)
	go func() {
		c, err := p.a.DialTCP(dialCtx(t), netip.AddrPortFrom(p.bAddr, 14))
		if err == nil {
			defer c.Close()
		}
		third <- err
	}()
	// The third handshake is held out of the full accept queue (like
	// Linux, the SYN is dropped and the client retries later).
	time.Sleep(50 * time.Millisecond) // let any wrong enqueueing happen
	select {
	case err := <-third:
		t.Fatalf("third dial done with a full backlog: %v (stats %+v)", err, ln.Stats())
	default:
	}
	if st := ln.Stats(); st.AcceptQueue != 2 {
		t.Fatalf("backlog 2 not enforced: %+v", st)
	}
	ln.SetDeadline(time.Now().Add(ioTimeout))
	for i := 0; i < 3; i++ {
		c, err := ln.Accept()
		if err != nil {
			t.Fatalf("accept %d: %v (stats %+v)", i, err, ln.Stats())
		}
		defer c.Close()
	}
	if err := <-third; err != nil {
		t.Fatal(err)
	}
	if st := ln.Stats(); st.AcceptRefused != 0 {
		t.Fatalf("glue refused %d handshakes; the state machine bounds the queue", st.AcceptRefused)
	}
}
