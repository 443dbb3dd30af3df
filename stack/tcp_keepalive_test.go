package stack

import (
	"errors"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/stack/wire"
)

// idleConn is a stallConn whose data the peer has acknowledged: an idle
// connection.
func idleConn(t *testing.T) *stallConn {
	sc := newStallConn(t)
	sc.h.in(sc.frame(wire.TCPFlagACK, sc.peerNext, sc.dataEnd))
	sc.h.barrier()
	return sc
}

// isProbe: a keepalive probe is a segment one below SND.NXT (RFC 9293
// §3.8.4), so the peer answers with an ACK.
func (sc *stallConn) isProbe(s wire.TCP) bool {
	return s.Seq() == sc.dataEnd-1 && s.Flags()&(wire.TCPFlagSYN|wire.TCPFlagFIN|wire.TCPFlagRST) == 0
}

// probesIn advances the stack's clock by d and counts the keepalive
// probes the stack sent meanwhile.
func (sc *stallConn) probesIn(t *testing.T, d time.Duration) int {
	t.Helper()
	sc.h.clock.Advance(d)
	// The timer goroutine runs on its own: wait until the connection has
	// no deadline left at or before now (its Output emitted what was due).
	now := sc.h.clock.Now()
	waitFor(t, "the connection's timers", func() bool {
		sc.c.mu.Lock()
		defer sc.c.mu.Unlock()
		next := sc.c.tc.NextDeadline()
		return next == 0 || next > now
	})
	n := 0
	for _, f := range sc.h.barrier() {
		e, _ := wire.ParseEthernet(f)
		p, err := wire.ParseIPv4(e.Payload())
		if err != nil || p.Protocol() != wire.ProtoTCP {
			continue
		}
		if s, err := wire.ParseTCP(p.Payload()); err == nil && sc.isProbe(s) {
			n++
		}
	}
	return n
}

// SetKeepAlivePeriod takes any period, per connection; SetKeepAlive
// switches probing on and off.
func TestTCPKeepAlivePeriod(t *testing.T) {
	sc := idleConn(t)
	if err := sc.c.SetKeepAlive(true); err != nil {
		t.Fatal(err)
	}
	// Idle time counts from the last segment received (as Linux's
	// keepalive timer); the configuration's 2 h would send nothing for a
	// long while.
	if err := sc.c.SetKeepAlivePeriod(2500 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if n := sc.probesIn(t, 2400*time.Millisecond); n != 0 {
		t.Fatalf("%d probes before the 2.5 s period", n)
	}
	if n := sc.probesIn(t, 100*time.Millisecond); n != 1 {
		t.Fatalf("%d probes at the 2.5 s period, want 1", n)
	}
	// The peer answers; off, no more probes however long it stays idle.
	sc.h.in(sc.frame(wire.TCPFlagACK, sc.peerNext, sc.dataEnd))
	if err := sc.c.SetKeepAlive(false); err != nil {
		t.Fatal(err)
	}
	if n := sc.probesIn(t, time.Hour); n != 0 {
		t.Fatalf("%d probes with keepalive off", n)
	}
	// On again: the period set before still holds.
	sc.c.SetKeepAlive(true)
	if n := sc.probesIn(t, 2500*time.Millisecond); n != 1 {
		t.Fatalf("%d probes after turning keepalive on again, want 1", n)
	}
}

// SetKeepAliveConfig sets idle, interval and count as Go's does; the
// connection fails (ETIMEDOUT) after Count unanswered probes.
func TestTCPKeepAliveConfig(t *testing.T) {
	sc := idleConn(t)
	if err := sc.c.SetKeepAliveConfig(net.KeepAliveConfig{Enable: true, Idle: 2 * time.Second, Interval: time.Second, Count: 2}); err != nil {
		t.Fatal(err)
	}
	if n := sc.probesIn(t, 2*time.Second); n != 1 {
		t.Fatalf("%d probes at the idle time, want 1", n)
	}
	if n := sc.probesIn(t, time.Second); n != 1 {
		t.Fatalf("%d probes one interval later, want 1", n)
	}
	sc.h.clock.Advance(time.Second)
	sc.c.SetReadDeadline(time.Now().Add(ioTimeout))
	if _, err := sc.c.Read(make([]byte, 1)); !errors.Is(err, syscall.ETIMEDOUT) {
		t.Fatalf("read after two unanswered probes: %v, want ETIMEDOUT", err)
	}
}
