package tcp

import (
	"errors"
	"testing"
	"time"
)

// Delayed ACKs, Nagle, cork, zero-window probing, retransmission.

func TestDelayedAckEverySecondFullSegment(t *testing.T) {
	h := newHarness(t, testConfig())
	h.establish()
	iss, base := h.iss(), peerISS+1
	full := data(1000)
	h.In(Segment{Seq: base, Ack: iss + 1, Flags: ACK, Window: 65535, Payload: full})
	h.NoOut()
	h.In(Segment{Seq: base + 1000, Ack: iss + 1, Flags: ACK, Window: 65535, Payload: full})
	h.Out(Segment{Seq: iss + 1, Ack: base + 2000, Flags: ACK})
	h.In(Segment{Seq: base + 2000, Ack: iss + 1, Flags: ACK, Window: 65535, Payload: full})
	h.NoOut()
	at := h.now
	h.AdvanceToDeadline()
	h.Out(Segment{Seq: iss + 1, Ack: base + 3000, Flags: ACK})
	if h.now-at != 40*time.Millisecond {
		t.Fatalf("delayed ACK after %v, want 40ms", h.now-at)
	}
}

func TestDelayedAckTimerConfigurable(t *testing.T) {
	cfg := testConfig()
	cfg.DelayedAck = 5 * time.Millisecond
	h := newHarness(t, cfg)
	h.establish()
	h.In(Segment{Seq: peerISS + 1, Ack: h.iss() + 1, Flags: ACK, Window: 65535, Payload: data(10)})
	at := h.now
	h.AdvanceToDeadline()
	h.Out(Segment{Seq: h.iss() + 1, Ack: peerISS + 11, Flags: ACK})
	if h.now-at != 5*time.Millisecond {
		t.Fatalf("after %v", h.now-at)
	}
}

func TestQuickAckAtStartAndAfterReordering(t *testing.T) {
	cfg := testConfig()
	cfg.QuickAcks = 2
	h := newHarness(t, cfg)
	h.establish()
	iss, base := h.iss(), peerISS+1
	in := func(off int) {
		h.In(Segment{Seq: base + Seq(off), Ack: iss + 1, Flags: ACK, Window: 65535, Payload: data(10)})
	}
	in(0)
	h.Out(Segment{Seq: iss + 1, Ack: base + 10, Flags: ACK})
	in(10)
	h.Out(Segment{Seq: iss + 1, Ack: base + 20, Flags: ACK})
	in(20) // quick ACKs used up: delayed
	h.NoOut()
	in(40) // out of order: immediate duplicate ACK (RFC 5681 §4.2)
	h.Out(Segment{Seq: iss + 1, Ack: base + 30, Flags: ACK})
	in(30) // fills the gap: immediate
	h.Out(Segment{Seq: iss + 1, Ack: base + 50, Flags: ACK})
	in(50) // quick-ACK mode again after reordering
	h.Out(Segment{Seq: iss + 1, Ack: base + 60, Flags: ACK})
}

func TestNagleHoldsSmallSegmentsUntilAck(t *testing.T) {
	h := newHarness(t, testConfig())
	h.establish()
	iss := h.iss()
	h.c.Write([]byte("a"))
	h.flush()
	h.Out(Segment{Seq: iss + 1, Ack: peerISS + 1, Flags: ACK | PSH, Payload: []byte("a")})
	h.c.Write([]byte("b"))
	h.flush()
	h.c.Write([]byte("c"))
	h.flush()
	h.NoOut() // RFC 896: small data waits while data is unacknowledged
	h.In(Segment{Seq: peerISS + 1, Ack: iss + 2, Flags: ACK, Window: 65535})
	h.Out(Segment{Seq: iss + 2, Ack: peerISS + 1, Flags: ACK | PSH, Payload: []byte("bc")})
	// Full segments are not held.
	h.c.Write(data(2500))
	h.flush()
	h.Out(Segment{Seq: iss + 4, Ack: peerISS + 1, Flags: ACK, Payload: data(2500)[:1000]})
	h.Out(Segment{Seq: iss + 1004, Ack: peerISS + 1, Flags: ACK, Payload: data(2500)[1000:2000]})
	h.NoOut()
}

func TestNoDelaySendsSmallSegmentsAtOnce(t *testing.T) {
	h := newHarness(t, testConfig())
	h.establish()
	h.c.SetNoDelay(true)
	iss := h.iss()
	h.c.Write([]byte("a"))
	h.flush()
	h.c.Write([]byte("b"))
	h.flush()
	h.Out(Segment{Seq: iss + 1, Ack: peerISS + 1, Flags: ACK | PSH, Payload: []byte("a")})
	h.Out(Segment{Seq: iss + 2, Ack: peerISS + 1, Flags: ACK | PSH, Payload: []byte("b")})
}

func TestCorkHoldsPartialSegment(t *testing.T) {
	h := newHarness(t, testConfig())
	h.establish()
	h.c.SetCork(true)
	h.c.Write(data(1500))
	h.flush()
	h.Out(Segment{Seq: h.iss() + 1, Ack: peerISS + 1, Flags: ACK, Payload: data(1500)[:1000]})
	h.NoOut()
	h.c.SetCork(false)
	h.c.SetNoDelay(true)
	h.flush()
	h.Out(Segment{Seq: h.iss() + 1001, Ack: peerISS + 1, Flags: ACK | PSH, Payload: data(1500)[1000:]})
}

func TestZeroWindowProbesWithBackoff(t *testing.T) {
	h := newHarness(t, testConfig())
	h.establish()
	iss := h.iss()
	h.In(Segment{Seq: peerISS + 1, Ack: iss + 1, Flags: ACK, Window: 0})
	h.c.Write([]byte("blocked"))
	h.flush()
	h.NoOut()
	var at []time.Duration
	start := h.now
	for i := 0; i < 4; i++ {
		h.AdvanceToDeadline()
		// RFC 9293 §3.8.6.1 probe: an old sequence number draws an ACK with the window.
		h.Out(Segment{Seq: iss, Ack: peerISS + 1, Flags: ACK})
		at = append(at, h.now-start)
		h.In(Segment{Seq: peerISS + 1, Ack: iss + 1, Flags: ACK, Window: 0})
		h.NoOut()
	}
	// The probe interval starts at the RTO (the 200ms floor: the
	// handshake measured a near-zero RTT) and doubles.
	want := []time.Duration{200 * time.Millisecond, 600 * time.Millisecond, 1400 * time.Millisecond, 3 * time.Second}
	for i := range want {
		if at[i] != want[i] {
			t.Fatalf("probes at %v, want %v", at, want)
		}
	}
	if in := h.c.Info(h.now); in.ZeroWindowProbes != 4 {
		t.Fatalf("ZeroWindowProbes %d", in.ZeroWindowProbes)
	}
	// The window opens: data resumes.
	h.In(Segment{Seq: peerISS + 1, Ack: iss + 1, Flags: ACK, Window: 4000})
	h.Out(Segment{Seq: iss + 1, Ack: peerISS + 1, Flags: ACK | PSH, Payload: []byte("blocked")})
}

func TestReceiverAdvertisesZeroWindowAndReopens(t *testing.T) {
	cfg := testConfig()
	cfg.RecvBuf, cfg.RecvBufMin = 4000, 4000
	h := newHarness(t, cfg)
	h.establish()
	iss, base := h.iss(), peerISS+1
	for i := 0; i < 4; i++ {
		h.In(Segment{Seq: base + Seq(1000*i), Ack: iss + 1, Flags: ACK, Window: 65535, Payload: data(1000)})
	}
	h.Next()
	a := h.Out(Segment{Seq: iss + 1, Ack: base + 4000, Flags: ACK})
	if a.Window != 0 {
		t.Fatalf("window %d with a full buffer", a.Window)
	}
	// Beyond the window: not accepted (RFC 9293 §3.10.7.4 zero window).
	h.In(Segment{Seq: base + 4000, Ack: iss + 1, Flags: ACK, Window: 65535, Payload: data(10)})
	h.Out(Segment{Seq: iss + 1, Ack: base + 4000, Flags: ACK})
	// Reading 500 bytes is less than min(MSS, buffer/2): SWS avoidance
	// keeps the window closed (RFC 9293 §3.8.6.2.2).
	buf := make([]byte, 4000)
	h.c.Read(buf[:500])
	h.flush()
	h.NoOut()
	// Reading the rest opens it with a window update.
	h.c.Read(buf)
	h.flush()
	a = h.Out(Segment{Seq: iss + 1, Ack: base + 4000, Flags: ACK})
	if a.Window != 4000 {
		t.Fatalf("window update %d, want 4000", a.Window)
	}
}

func TestRetransmissionTimeoutAndBackoff(t *testing.T) {
	cfg := testConfig()
	cfg.DataRetries = 3
	h := newHarness(t, cfg)
	h.establish()
	iss := h.iss()
	h.c.Write([]byte("lost"))
	h.flush()
	h.Out(Segment{Seq: iss + 1, Ack: peerISS + 1, Flags: ACK | PSH, Payload: []byte("lost")})
	start := h.now
	var at []time.Duration
	for i := 0; i < 3; i++ {
		h.AdvanceToDeadline()
		h.Out(Segment{Seq: iss + 1, Ack: peerISS + 1, Flags: ACK | PSH, Payload: []byte("lost")})
		at = append(at, h.now-start)
	}
	// The RTO is the 200ms floor (the handshake measured a near-zero
	// RTT) and doubles at each timeout.
	want := []time.Duration{200 * time.Millisecond, 600 * time.Millisecond, 1400 * time.Millisecond}
	for i := range want {
		if at[i] != want[i] {
			t.Fatalf("retransmissions at %v, want %v (RFC 6298 §5.5)", at, want)
		}
	}
	if in := h.c.Info(h.now); in.Backoff != 3 || in.Cwnd != in.SndMSS || in.RTORetrans != 3 {
		t.Fatalf("backoff %d cwnd %d rto retrans %d", in.Backoff, in.Cwnd, in.RTORetrans)
	}
	h.AdvanceToDeadline()
	h.State(Closed)
	if !errors.Is(h.c.Err(), ErrTimeout) {
		t.Fatalf("err %v", h.c.Err())
	}
}

func TestRetransmissionTimeoutGoBackN(t *testing.T) {
	h := newHarness(t, testConfig())
	h.establish()
	iss := h.iss()
	h.c.Write(data(3000))
	h.flush()
	for i := 0; i < 3; i++ {
		h.Next()
	}
	h.AdvanceToDeadline()
	h.Out(Segment{Seq: iss + 1, Ack: peerISS + 1, Flags: ACK, Payload: data(3000)[:1000]})
	h.NoOut() // cwnd is one segment after the timeout (RFC 5681 §3.1)
	// Karn: this ACK of a retransmitted segment gives no RTT sample.
	srtt := h.c.rtt.srtt
	h.now += 300 * time.Millisecond
	h.In(Segment{Seq: peerISS + 1, Ack: iss + 1001, Flags: ACK, Window: 65535})
	if h.c.rtt.srtt != srtt {
		t.Fatal("RTT sampled from a retransmission")
	}
	h.Out(Segment{Seq: iss + 1001, Ack: peerISS + 1, Flags: ACK, Payload: data(3000)[1000:2000]})
	h.Out(Segment{Seq: iss + 2001, Ack: peerISS + 1, Flags: ACK | PSH, Payload: data(3000)[2000:]})
}

func TestFastRetransmitAfterThreeDupAcks(t *testing.T) {
	h := newHarness(t, testConfig())
	h.establish()
	iss := h.iss()
	d := data(6000)
	h.c.Write(d)
	h.flush()
	for i := 0; i < 6; i++ {
		h.Next()
	}
	dup := Segment{Seq: peerISS + 1, Ack: iss + 1001, Flags: ACK, Window: 65535}
	h.In(dup) // new ACK for the first segment
	h.In(dup)
	h.In(dup)
	h.NoOut()
	h.In(dup) // third duplicate: retransmit without waiting for the timer
	h.Out(Segment{Seq: iss + 1001, Ack: peerISS + 1, Flags: ACK, Payload: d[1000:2000]})
	in := h.c.Info(h.now)
	if in.FastRetrans != 1 || in.RTORetrans != 0 || in.CAState != "recovery" || in.DupAcksIn != 3 {
		t.Fatalf("fast %d rto %d state %s dups %d", in.FastRetrans, in.RTORetrans, in.CAState, in.DupAcksIn)
	}
	// RFC 6582: a partial ACK retransmits the next hole.
	h.In(Segment{Seq: peerISS + 1, Ack: iss + 3001, Flags: ACK, Window: 65535})
	h.Out(Segment{Seq: iss + 3001, Ack: peerISS + 1, Flags: ACK, Payload: d[3000:4000]})
	// The full ACK ends recovery.
	h.In(Segment{Seq: peerISS + 1, Ack: iss + 6001, Flags: ACK, Window: 65535})
	if in := h.c.Info(h.now); in.CAState != "open" || in.Cwnd != in.Ssthresh && in.Cwnd > in.Ssthresh {
		t.Fatalf("after recovery: %s cwnd %d ssthresh %d", in.CAState, in.Cwnd, in.Ssthresh)
	}
}

func TestKeepaliveProbesThenTimeout(t *testing.T) {
	cfg := testConfig()
	cfg.KeepAlive = true
	cfg.KeepIdle, cfg.KeepInterval, cfg.KeepCount = time.Minute, 10*time.Second, 2
	h := newHarness(t, cfg)
	h.establish()
	iss := h.iss()
	start := h.now
	h.AdvanceToDeadline()
	h.Out(Segment{Seq: iss, Ack: peerISS + 1, Flags: ACK})
	if h.now-start != time.Minute {
		t.Fatalf("first probe after %v", h.now-start)
	}
	// An answer resets the count and the idle timer.
	h.In(Segment{Seq: peerISS + 1, Ack: iss + 1, Flags: ACK, Window: 65535})
	start = h.now
	h.AdvanceToDeadline()
	h.Out(Segment{Seq: iss, Ack: peerISS + 1, Flags: ACK})
	h.AdvanceToDeadline()
	h.Out(Segment{Seq: iss, Ack: peerISS + 1, Flags: ACK})
	if h.now-start != time.Minute+10*time.Second {
		t.Fatalf("second probe at %v", h.now-start)
	}
	h.AdvanceToDeadline()
	h.State(Closed)
	if !errors.Is(h.c.Err(), ErrTimeout) {
		t.Fatalf("err %v", h.c.Err())
	}
}

func TestUserTimeout(t *testing.T) {
	cfg := testConfig()
	cfg.UserTimeout = 5 * time.Second
	h := newHarness(t, cfg)
	h.establish()
	h.c.Write([]byte("x"))
	h.flush()
	start := h.now
	for h.c.State() != Closed {
		h.AdvanceToDeadline()
	}
	if h.now-start != 5*time.Second || !errors.Is(h.c.Err(), ErrTimeout) {
		t.Fatalf("closed after %v with %v", h.now-start, h.c.Err())
	}
}

func TestZeroWindowStillTakesAcks(t *testing.T) {
	cfg := testConfig()
	cfg.RecvBuf, cfg.RecvBufMin = 2000, 2000
	h := newHarness(t, cfg)
	h.establish()
	iss, base := h.iss(), peerISS+1
	h.c.Write([]byte("ours"))
	h.flush()
	h.Next()
	h.In(Segment{Seq: base, Ack: iss + 1, Flags: ACK, Window: 65535, Payload: data(1000)})
	h.In(Segment{Seq: base + 1000, Ack: iss + 1, Flags: ACK, Window: 65535, Payload: data(1000)})
	if a := h.Out(Segment{Seq: iss + 5, Ack: base + 2000, Flags: ACK}); a.Window != 0 {
		t.Fatalf("window %d", a.Window)
	}
	// RFC 9293 §3.10.7.4: with RCV.WND zero, the ACK on a data segment
	// at RCV.NXT is still processed; its data is not.
	h.In(Segment{Seq: base + 2000, Ack: iss + 5, Flags: ACK, Window: 65535, Payload: data(10)})
	if h.c.sndUna != iss+5 {
		t.Fatal("ACK ignored under a zero window")
	}
	if h.c.rcv.n != 2000 {
		t.Fatalf("buffered %d bytes, the window was zero", h.c.rcv.n)
	}
	h.Out(Segment{Seq: iss + 5, Ack: base + 2000, Flags: ACK})
}

func TestDelayedAckPeerWithSmallerSegments(t *testing.T) {
	h := newHarness(t, testConfig()) // our MSS is 1000
	h.establish()
	iss, base := h.iss(), peerISS+1
	h.In(Segment{Seq: base, Ack: iss + 1, Flags: ACK, Window: 65535, Payload: data(536)})
	h.NoOut()
	h.In(Segment{Seq: base + 536, Ack: iss + 1, Flags: ACK, Window: 65535, Payload: data(536)})
	h.Out(Segment{Seq: iss + 1, Ack: base + 1072, Flags: ACK}) // two of the peer's full segments
}

func TestPureAckSequenceAfterGoBackN(t *testing.T) {
	h := newHarness(t, testConfig())
	h.establish()
	iss := h.iss()
	h.c.Write(data(3000))
	h.flush()
	h.out = nil
	h.AdvanceToDeadline() // RTO: SND.NXT goes back to SND.UNA, one segment resent
	h.Out(Segment{Seq: iss + 1, Ack: peerISS + 1, Flags: ACK, Payload: data(3000)[:1000]})
	// The peer may hold all 3000 bytes: a pure ACK carries SND.MAX, which
	// its acceptability test takes, not the rewound SND.NXT it would not.
	h.In(Segment{Seq: peerISS + 1, Ack: iss + 1, Flags: ACK | PSH, Window: 65535, Payload: []byte("q")})
	h.AdvanceToDeadline()
	h.Out(Segment{Seq: iss + 3001, Ack: peerISS + 2, Flags: ACK})
}

func TestPureAckNeverBeyondPeerWindow(t *testing.T) {
	h := newHarness(t, testConfig())
	h.establish()
	iss := h.iss()
	h.In(Segment{Seq: peerISS + 1, Ack: iss + 1, Flags: ACK, Window: 2000})
	h.c.Write(data(3000))
	h.flush()
	h.out = nil
	h.AdvanceToDeadline() // RTO with the window full
	h.Next()
	// The peer shrank its window to 500 bytes past SND.UNA: the ACK's
	// sequence number stays at that edge, below SND.NXT (Linux's
	// tcp_acceptable_seq), where the peer's acceptability test takes it.
	h.In(Segment{Seq: peerISS + 1, Ack: iss + 1, Flags: ACK | PSH, Window: 500, Payload: []byte("q")})
	h.AdvanceToDeadline()
	h.Out(Segment{Seq: iss + 501, Ack: peerISS + 2, Flags: ACK})
}
