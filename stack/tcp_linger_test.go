package stack

import (
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/stack/tcp"
	"github.com/tcpbox/tcpbox/stack/wire"
)

// lingerClose starts Close on a connection with SetLinger(5) whose 100
// bytes the peer has not acknowledged, and waits for the FIN.
func lingerClose(t *testing.T) (*stallConn, chan error) {
	sc := newStallConn(t)
	if err := sc.c.SetLinger(5); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- sc.c.Close() }()
	fin := sc.nextTCP(t, func(s wire.TCP) bool { return s.Flags()&wire.TCPFlagFIN != 0 })
	if fin.Seq() != sc.dataEnd {
		t.Fatalf("FIN at %d, want %d", fin.Seq(), sc.dataEnd)
	}
	sc.h.barrier()
	select {
	case err := <-done:
		t.Fatalf("Close returned (%v) before the peer acknowledged", err)
	default:
	}
	return sc, done
}

// nextTCP skips the stack's frames until a TCP segment that ok accepts.
func (sc *stallConn) nextTCP(t *testing.T, ok func(wire.TCP) bool) wire.TCP {
	t.Helper()
	for {
		seg, err := wire.ParseTCP(sc.h.outIPv4(wire.ProtoTCP).Payload())
		if err != nil {
			t.Fatal(err)
		}
		if ok(seg) {
			return seg
		}
	}
}

func waitClose(t *testing.T, done chan error) {
	t.Helper()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Close: %v", err)
		}
	case <-time.After(ioTimeout):
		t.Fatal("Close still blocked")
	}
}

// SetLinger(n > 0): Close returns once the data and the FIN are
// acknowledged, the connection closing normally (FIN-WAIT-2).
func TestTCPLingerWaitsForAck(t *testing.T) {
	sc, done := lingerClose(t)
	sc.h.in(sc.frame(wire.TCPFlagACK, sc.peerNext, sc.dataEnd+1))
	waitClose(t, done)
	if st := sc.c.TCPInfo().State; st != tcp.FinWait2 {
		t.Fatalf("state %v after the FIN's ACK, want FIN-WAIT-2", st)
	}
}

// SetLinger(n > 0) and no ACK: after n seconds (the stack's clock) Close
// resets the connection and returns.
func TestTCPLingerTimesOutWithReset(t *testing.T) {
	sc, done := lingerClose(t)
	sc.h.clock.Advance(4 * time.Second)
	sc.h.barrier()
	select {
	case err := <-done:
		t.Fatalf("Close returned (%v) after 4 of 5 seconds", err)
	default:
	}
	sc.h.clock.Advance(time.Second)
	rst := sc.nextTCP(t, func(s wire.TCP) bool { return s.Flags()&wire.TCPFlagRST != 0 })
	if rst.Seq() != sc.dataEnd+1 {
		t.Fatalf("RST at %d, want %d (after our FIN)", rst.Seq(), sc.dataEnd+1)
	}
	waitClose(t, done)
	if st := sc.c.TCPInfo().State; st != tcp.Closed {
		t.Fatalf("state %v after the linger timeout, want CLOSED", st)
	}
}
