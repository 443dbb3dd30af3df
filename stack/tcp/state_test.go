package tcp

import (
	"errors"
	"io"
	"testing"
	"time"
)

// Tests of the RFC 9293 §3.3.2 state diagram, one per transition.

func TestClosedConnectSendsSyn(t *testing.T) {
	h := newHarness(t, testConfig())
	if err := h.c.Connect(h.now); err != nil {
		t.Fatal(err)
	}
	h.State(SynSent)
	h.flush()
	syn := h.Out(Segment{Seq: h.iss(), Flags: SYN})
	if syn.Options.MSS != 1000 {
		t.Fatalf("MSS option %d, want MTU-40 = 1000", syn.Options.MSS)
	}
}

func TestSynSentRecvSynAck(t *testing.T) {
	h := newHarness(t, testConfig())
	h.establish()
	if h.c.Events()&EventConnected == 0 {
		t.Fatal("no EventConnected")
	}
}

func TestSynSentRecvRstAckRefused(t *testing.T) {
	h := newHarness(t, testConfig())
	h.c.Connect(h.now)
	h.flush()
	h.Next()
	h.In(Segment{Seq: 0, Ack: h.iss() + 1, Flags: RST | ACK})
	h.State(Closed)
	if !errors.Is(h.c.Err(), ErrConnRefused) {
		t.Fatalf("err %v", h.c.Err())
	}
	h.NoOut()
}

func TestSynSentRecvRstBadAckIgnored(t *testing.T) {
	h := newHarness(t, testConfig())
	h.c.Connect(h.now)
	h.flush()
	h.Next()
	h.In(Segment{Seq: 0, Ack: h.iss() + 7, Flags: RST | ACK})
	h.State(SynSent)
	h.NoOut()
}

func TestSynSentRecvBadAckSendsRst(t *testing.T) {
	h := newHarness(t, testConfig())
	h.c.Connect(h.now)
	h.flush()
	h.Next()
	h.In(Segment{Seq: peerISS, Ack: h.iss() + 9, Flags: SYN | ACK})
	h.Out(Segment{Seq: h.iss() + 9, Flags: RST})
	h.State(SynSent)
}

func TestSynSentRecvSynSimultaneousOpen(t *testing.T) {
	h := newHarness(t, testConfig())
	h.c.Connect(h.now)
	h.flush()
	h.Next()
	h.In(Segment{Seq: peerISS, Flags: SYN, Window: 8000, Options: Options{MSS: 1000, WScale: -1}})
	h.State(SynReceived)
	h.Out(Segment{Seq: h.iss(), Ack: peerISS + 1, Flags: SYN | ACK})
	// The peer's SYN-ACK (its answer to our SYN) completes it.
	h.In(Segment{Seq: peerISS, Ack: h.iss() + 1, Flags: SYN | ACK, Window: 8000})
	h.State(Established)
	h.NoOut()
	h.c.Write([]byte("x"))
	h.flush()
	h.Out(Segment{Seq: h.iss() + 1, Ack: peerISS + 1, Flags: ACK | PSH, Payload: []byte("x")})
}

func TestSynSentTimeout(t *testing.T) {
	cfg := testConfig()
	cfg.SynRetries = 2
	h := newHarness(t, cfg)
	h.c.Connect(h.now)
	h.flush()
	h.Out(Segment{Seq: h.iss(), Flags: SYN})
	start := h.now
	h.AdvanceToDeadline()
	h.Out(Segment{Seq: h.iss(), Flags: SYN})
	if h.now-start != cfg.InitialRTO {
		t.Fatalf("first retransmission after %v", h.now-start)
	}
	h.AdvanceToDeadline()
	h.Out(Segment{Seq: h.iss(), Flags: SYN})
	if h.now-start != 3*cfg.InitialRTO {
		t.Fatalf("second retransmission after %v, want backoff to 3s", h.now-start)
	}
	h.AdvanceToDeadline()
	h.State(Closed)
	if !errors.Is(h.c.Err(), ErrTimeout) {
		t.Fatalf("err %v", h.c.Err())
	}
}

func TestEstablishedDataBothWays(t *testing.T) {
	h := newHarness(t, testConfig())
	h.establish()
	iss := h.iss()
	n, err := h.c.Write([]byte("hello"))
	if n != 5 || err != nil {
		t.Fatal(n, err)
	}
	h.flush()
	h.Out(Segment{Seq: iss + 1, Ack: peerISS + 1, Flags: ACK | PSH, Payload: []byte("hello")})
	h.In(Segment{Seq: peerISS + 1, Ack: iss + 6, Flags: ACK | PSH, Window: 65535, Payload: []byte("world")})
	// Delayed ACK: nothing at once, the ACK comes with the timer.
	h.NoOut()
	h.AdvanceToDeadline()
	h.Out(Segment{Seq: iss + 6, Ack: peerISS + 6, Flags: ACK})
	buf := make([]byte, 10)
	n, _ = h.c.Read(buf)
	if string(buf[:n]) != "world" {
		t.Fatalf("read %q", buf[:n])
	}
}

func TestEstablishedRecvFin(t *testing.T) {
	h := newHarness(t, testConfig())
	h.establish()
	iss := h.iss()
	h.In(Segment{Seq: peerISS + 1, Ack: iss + 1, Flags: ACK | FIN, Window: 65535})
	h.State(CloseWait)
	// The FIN is acknowledged with the delayed-ACK timer (Linux's
	// ping-pong mode on a FIN), in case our FIN can carry the ACK.
	h.NoOut()
	h.AdvanceToDeadline()
	h.Out(Segment{Seq: iss + 1, Ack: peerISS + 2, Flags: ACK})
	if _, err := h.c.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("read err %v, want EOF", err)
	}
	// Half-close: our side still sends.
	h.c.Write([]byte("late"))
	h.flush()
	h.Out(Segment{Seq: iss + 1, Ack: peerISS + 2, Flags: ACK | PSH, Payload: []byte("late")})
}

func TestCloseWaitCloseToLastAck(t *testing.T) {
	h := newHarness(t, testConfig())
	h.establish()
	iss := h.iss()
	h.In(Segment{Seq: peerISS + 1, Ack: iss + 1, Flags: ACK | FIN, Window: 65535})
	// An application that closes when it reads EOF closes before the
	// delayed ACK is due: its FIN carries the ACK, one segment, not two.
	h.NoOut()
	h.c.Close()
	h.State(LastAck)
	h.flush()
	h.Out(Segment{Seq: iss + 1, Ack: peerISS + 2, Flags: ACK | FIN})
	h.NoOut()
	h.In(Segment{Seq: peerISS + 2, Ack: iss + 2, Flags: ACK, Window: 65535})
	h.State(Closed)
	if h.c.Err() != nil || !h.c.Done() {
		t.Fatalf("err %v done %v", h.c.Err(), h.c.Done())
	}
}

func TestEstablishedCloseToFinWait1(t *testing.T) {
	h := newHarness(t, testConfig())
	h.establish()
	h.c.Close()
	h.State(FinWait1)
	h.flush()
	h.Out(Segment{Seq: h.iss() + 1, Ack: peerISS + 1, Flags: ACK | FIN})
}

func TestFinWait1RecvAckOfFin(t *testing.T) {
	h := newHarness(t, testConfig())
	h.establish()
	h.c.CloseWrite()
	h.flush()
	h.Next()
	h.In(Segment{Seq: peerISS + 1, Ack: h.iss() + 2, Flags: ACK, Window: 65535})
	h.State(FinWait2)
}

func TestFinWait2RecvFinToTimeWait(t *testing.T) {
	h := newHarness(t, testConfig())
	h.establish()
	iss := h.iss()
	h.c.CloseWrite()
	h.flush()
	h.Next()
	h.In(Segment{Seq: peerISS + 1, Ack: iss + 2, Flags: ACK, Window: 65535})
	// Half-closed: data still arrives while in FIN-WAIT-2.
	h.In(Segment{Seq: peerISS + 1, Ack: iss + 2, Flags: ACK, Window: 65535, Payload: []byte("more")})
	h.In(Segment{Seq: peerISS + 5, Ack: iss + 2, Flags: ACK | FIN, Window: 65535})
	h.State(TimeWait)
	h.Out(Segment{Seq: iss + 2, Ack: peerISS + 6, Flags: ACK})
	buf := make([]byte, 10)
	n, _ := h.c.Read(buf)
	if string(buf[:n]) != "more" {
		t.Fatalf("read %q", buf[:n])
	}
}

func TestFinWait1RecvFinAckToTimeWait(t *testing.T) {
	h := newHarness(t, testConfig())
	h.establish()
	iss := h.iss()
	h.c.Close()
	h.flush()
	h.Next()
	h.In(Segment{Seq: peerISS + 1, Ack: iss + 2, Flags: ACK | FIN, Window: 65535})
	h.State(TimeWait)
	h.Out(Segment{Seq: iss + 2, Ack: peerISS + 2, Flags: ACK})
}

func TestFinWait1RecvFinSimultaneousClose(t *testing.T) {
	h := newHarness(t, testConfig())
	h.establish()
	iss := h.iss()
	h.c.Close()
	h.flush()
	h.Out(Segment{Seq: iss + 1, Ack: peerISS + 1, Flags: ACK | FIN})
	// The peer's FIN crosses ours: it does not acknowledge our FIN.
	h.In(Segment{Seq: peerISS + 1, Ack: iss + 1, Flags: ACK | FIN, Window: 65535})
	h.State(Closing)
	h.Out(Segment{Seq: iss + 2, Ack: peerISS + 2, Flags: ACK})
	h.In(Segment{Seq: peerISS + 2, Ack: iss + 2, Flags: ACK, Window: 65535})
	h.State(TimeWait)
}

func TestTimeWaitExpiresAfter2MSL(t *testing.T) {
	h := newHarness(t, testConfig())
	h.establish()
	iss := h.iss()
	h.c.Close()
	h.flush()
	h.Next()
	h.In(Segment{Seq: peerISS + 1, Ack: iss + 2, Flags: ACK | FIN, Window: 65535})
	h.State(TimeWait)
	h.Next()
	start := h.now
	// A retransmitted FIN is acknowledged and restarts the timer.
	h.Advance(h.cfg.MSL)
	h.In(Segment{Seq: peerISS + 1, Ack: iss + 2, Flags: ACK | FIN, Window: 65535})
	h.Out(Segment{Seq: iss + 2, Ack: peerISS + 2, Flags: ACK})
	restart := h.now
	h.Advance(2*h.cfg.MSL - 1)
	h.State(TimeWait)
	h.AdvanceToDeadline()
	h.State(Closed)
	if h.now-restart != 2*h.cfg.MSL || h.now-start != 3*h.cfg.MSL {
		t.Fatalf("closed %v after restart, want 2*MSL", h.now-restart)
	}
	if h.c.Err() != nil {
		t.Fatal(h.c.Err())
	}
}

func TestLastAckRecvAck(t *testing.T) {
	TestCloseWaitCloseToLastAck(t)
}

func TestEstablishedRecvRst(t *testing.T) {
	h := newHarness(t, testConfig())
	h.establish()
	h.In(Segment{Seq: peerISS + 1, Flags: RST})
	h.State(Closed)
	if !errors.Is(h.c.Err(), ErrConnReset) {
		t.Fatalf("err %v", h.c.Err())
	}
}

func TestCloseWithUnreadDataSendsRst(t *testing.T) {
	h := newHarness(t, testConfig())
	h.establish()
	iss := h.iss()
	h.In(Segment{Seq: peerISS + 1, Ack: iss + 1, Flags: ACK, Window: 65535, Payload: []byte("unread")})
	h.c.Close()
	h.flush()
	h.Out(Segment{Seq: iss + 1, Flags: RST})
	h.State(Closed)
}

func TestClosedRecvSegmentSendsRst(t *testing.T) {
	h := newHarness(t, testConfig())
	h.In(Segment{Seq: 100, Ack: 777, Flags: ACK})
	h.Out(Segment{Seq: 777, Flags: RST})
	h.In(Segment{Seq: 100, Flags: SYN})
	h.Out(Segment{Seq: 0, Ack: 101, Flags: RST | ACK})
	h.In(Segment{Seq: 100, Flags: RST})
	h.NoOut()
}

func TestSynRetransmittedRTOThreeSeconds(t *testing.T) {
	h := newHarness(t, testConfig())
	h.c.Connect(h.now)
	h.flush()
	h.Next()
	h.AdvanceToDeadline()
	h.Next() // the SYN again
	h.In(Segment{Seq: peerISS, Ack: h.iss() + 1, Flags: SYN | ACK, Window: 65535, Options: Options{MSS: 1000, WScale: -1}})
	h.Next()
	if rto := h.c.Info(h.now).RTO; rto != 3*time.Second {
		t.Fatalf("RTO %v after a retransmitted SYN, want 3s (RFC 6298 §5.7)", rto)
	}
}
