package stack

import (
	"net/netip"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/stack/wire"
)

func TestStallGrace(t *testing.T) {
	ms := time.Millisecond
	for _, c := range []struct {
		now, due time.Duration
		graced   bool
		caught   time.Duration
		pending  bool
		want     time.Duration
		await    bool
	}{
		{now: 100 * ms, due: 0, pending: true, want: 0},                                          // nothing due
		{now: 100 * ms, due: 100 * ms, want: 0},                                                  // on time
		{now: 102 * ms, due: 100 * ms, want: 0},                                                  // within the jitter
		{now: 105 * ms, due: 100 * ms, want: 5 * ms},                                             // late: as long as it was late
		{now: 900 * ms, due: 100 * ms, want: 20 * ms},                                            // bounded
		{now: 900 * ms, due: 100 * ms, graced: true},                                             // only once
		{now: 105 * ms, due: 100 * ms, graced: true},                                             // only once
		{now: 2200 * ms, due: 2000 * ms, want: 20 * ms},                                          // any time of the stack
		{now: 100 * ms, due: 100 * ms, pending: true, want: time.Second, await: true},            // frames wait: until the receive goroutine passes the deadline, at most rxLagMax
		{now: 400 * ms, due: 100 * ms, graced: true, pending: true, want: 700 * ms, await: true}, // still behind: the rest of the bound
		{now: 1100 * ms, due: 100 * ms, graced: true, pending: true},                             // the bound: act
		{now: 1100 * ms, due: 100 * ms, pending: true, want: 20 * ms},                            // beyond the bound: the lateness rule
		{now: 300 * ms, due: 100 * ms, graced: true, caught: 100 * ms, pending: true},            // caught up with the deadline: act, though newer frames wait
		{now: 101 * ms, due: 100 * ms, caught: 150 * ms, pending: true},                          // caught up, on time
		{now: 300 * ms, due: 100 * ms, caught: 99 * ms, pending: true, want: 800 * ms, await: true},
	} {
		pending := func() bool { return c.pending }
		got, await := stallGrace(c.now, c.due, c.graced, c.caught, pending)
		if got != c.want || await != c.await {
			t.Errorf("stallGrace(now %v, due %v, graced %v, caught %v, pending %v) = %v, %v; want %v, %v", c.now, c.due, c.graced, c.caught, c.pending, got, await, c.want, c.await)
		}
	}
}

// stallConn is a connection of the harness's stack to a scripted peer
// (198.18.0.1:40000 -> 198.18.0.2:9) that has sent 100 bytes of data
// the peer has not acknowledged yet.
type stallConn struct {
	h        *harness
	c        *TCPConn
	peerNext uint32 // the peer's next sequence number
	dataEnd  uint32 // the end of our data segment
}

func newStallConn(t *testing.T) *stallConn {
	return newStallConnOn(t, newHarness(t, Options{}))
}

func newStallConnOn(t *testing.T, h *harness) *stallConn {
	ln, err := h.s.ListenTCP(netip.AddrPortFrom(dutIP, 9))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	h.learnPeer()
	sc := &stallConn{h: h, peerNext: 1001}
	h.in(sc.frame(wire.TCPFlagSYN, 1000, 0))
	synack, err := wire.ParseTCP(h.outIPv4(wire.ProtoTCP).Payload())
	if err != nil || synack.Flags() != wire.TCPFlagSYN|wire.TCPFlagACK {
		t.Fatalf("no SYN-ACK: %v", err)
	}
	h.in(sc.frame(wire.TCPFlagACK, 1001, synack.Seq()+1))
	if sc.c, err = ln.AcceptTCP(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sc.c.Close() })
	if _, err := sc.c.Write(make([]byte, 100)); err != nil {
		t.Fatal(err)
	}
	data, err := wire.ParseTCP(h.outIPv4(wire.ProtoTCP).Payload())
	if err != nil || len(data.Payload()) != 100 {
		t.Fatalf("no data segment: %v", err)
	}
	sc.dataEnd = data.Seq() + 100
	return sc
}

// frame is a segment from the peer as an Ethernet frame.
func (sc *stallConn) frame(flags uint8, seq, ack uint32) []byte {
	return ipFrame(wire.IPv4Header{Protocol: wire.ProtoTCP}, sc.segment(flags, seq, ack))
}

func (sc *stallConn) segment(flags uint8, seq, ack uint32) []byte {
	b := make([]byte, wire.TCPMinHeaderLen)
	(&wire.TCPHeader{SrcPort: 40000, DstPort: 9, Seq: seq, Ack: ack, Flags: flags, Window: 65535, Src: peerIP, Dst: dutIP}).Encode(b)
	return b
}

// retransmissions is what the connection counts as sent again: RTO and
// fast retransmissions and tail loss probes.
func (sc *stallConn) retransmissions() uint64 {
	i := sc.c.TCPInfo()
	return i.TotalRetrans + i.TLPProbes
}

// An ACK that is part of the receive batch in progress when the
// retransmission timer comes due is processed before the timer acts: no
// retransmission, no probe.
func TestTCPTimerYieldsToReceiveBatch(t *testing.T) {
	sc := newStallConn(t)
	s := sc.h.s
	// The test plays the receive goroutine inside one batch: the timer
	// comes due (3 s is past the initial RTO and any probe timeout)
	// while the batch, which holds the peer's ACK, is being processed.
	s.tcpBeginBatch()
	sc.h.clock.Advance(3 * time.Second)
	waitFor(t, "the timer to act", func() bool {
		sc.c.mu.Lock()
		deferred := sc.c.deferred
		sc.c.mu.Unlock()
		return deferred || sc.retransmissions() != 0
	})
	if n := sc.retransmissions(); n != 0 {
		t.Fatalf("%d retransmissions while the batch was open", n)
	}
	s.tcpInput(peerIP, dutIP, 0, sc.segment(wire.TCPFlagACK, sc.peerNext, sc.dataEnd))
	s.tcpEndBatch()
	if n := sc.retransmissions(); n != 0 {
		t.Fatalf("%d retransmissions of data the batch acknowledged", n)
	}
	if i := sc.c.TCPInfo(); i.SndUna != i.SndNxt {
		t.Fatalf("SND.UNA %d, SND.NXT %d: the ACK was not taken", i.SndUna, i.SndNxt)
	}
}

// A retransmission timer that fires long after its deadline (the process
// was off the CPU) is postponed once, so that an ACK that arrived
// meanwhile is read first; without an ACK it fires at the end of the
// grace.
func TestTCPTimerGraceAfterStall(t *testing.T) {
	t.Run("ack during grace", func(t *testing.T) {
		sc := newStallConn(t)
		sc.h.clock.Advance(3 * time.Second)
		waitFor(t, "the timer to act", func() bool { return sc.h.s.tcp().stallGraces.Load() == 1 || sc.retransmissions() != 0 })
		if n := sc.retransmissions(); n != 0 {
			t.Fatalf("%d retransmissions after the stall, before the grace ended", n)
		}
		sc.h.in(sc.frame(wire.TCPFlagACK, sc.peerNext, sc.dataEnd))
		sc.h.barrier()
		sc.h.clock.Advance(stallGraceMax)
		if got := sc.h.barrier(); len(got) != 0 || sc.retransmissions() != 0 {
			t.Fatalf("after the ACK: %d frames sent, %d retransmissions", len(got), sc.retransmissions())
		}
	})
	t.Run("no ack", func(t *testing.T) {
		sc := newStallConn(t)
		sc.h.clock.Advance(3 * time.Second)
		waitFor(t, "the grace", func() bool { return sc.h.s.tcp().stallGraces.Load() == 1 })
		sc.h.clock.Advance(stallGraceMax)
		seg, err := wire.ParseTCP(sc.h.outIPv4(wire.ProtoTCP).Payload())
		if err != nil || seg.Seq()+uint32(len(seg.Payload())) != sc.dataEnd {
			t.Fatalf("want the data again after the grace: %v", err)
		}
		if sc.retransmissions() == 0 {
			t.Fatal("the resend was not counted")
		}
		if n := sc.h.s.tcp().stallGraces.Load(); n != 1 {
			t.Fatalf("%d graces, want 1", n)
		}
	})
}
