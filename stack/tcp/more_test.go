package tcp

import (
	"errors"
	"testing"
	"time"
)

func TestSynSentCloseToClosed(t *testing.T) {
	h := newHarness(t, testConfig())
	h.c.Connect(h.now)
	h.flush()
	h.Next()
	h.c.Close()
	h.State(Closed)
	h.flush()
	h.NoOut() // RFC 9293 §3.10.4: SYN-SENT just deletes the TCB
	if !h.c.Done() {
		t.Fatal("not done")
	}
}

func TestSynReceivedCloseToFinWait1(t *testing.T) {
	h := newHarness(t, testConfig())
	h.c.Connect(h.now)
	h.flush()
	h.Next()
	h.In(Segment{Seq: peerISS, Flags: SYN, Window: 8000, Options: Options{MSS: 1000, WScale: -1}})
	h.Next()
	h.State(SynReceived)
	h.c.Close()
	h.State(SynReceived) // RFC 9293 §3.10.4: the FIN waits for ESTABLISHED
	h.In(Segment{Seq: peerISS + 1, Ack: h.iss() + 1, Flags: ACK, Window: 8000})
	h.State(FinWait1)
	h.Out(Segment{Seq: h.iss() + 1, Ack: peerISS + 1, Flags: ACK | FIN})
}

func TestSynReceivedBadAckSendsRst(t *testing.T) {
	h := newLHarness(t, testConfig(), 4)
	h.In(peer(0), Segment{Seq: peerISS, Flags: SYN, Window: 65535})
	sa := h.Next()
	if c := h.In(peer(0), Segment{Seq: peerISS + 1, Ack: sa.Seq + 50, Flags: ACK, Window: 65535}); c != nil {
		t.Fatal("established on a bad ACK")
	}
	if r := h.Next(); r.Flags != RST || r.Seq != sa.Seq+50 {
		t.Fatalf("got %s, want <SEQ=SEG.ACK><CTL=RST>", fmtSeg(&r))
	}
}

func TestSynReceivedDuplicateSynResendsSynAck(t *testing.T) {
	h := newLHarness(t, testConfig(), 4)
	syn := Segment{Seq: peerISS, Flags: SYN, Window: 65535}
	h.In(peer(0), syn)
	sa := h.Next()
	h.In(peer(0), syn)
	if again := h.Next(); again.Seq != sa.Seq || again.Flags != SYN|ACK {
		t.Fatalf("got %s", fmtSeg(&again))
	}
}

func TestAbortSendsRst(t *testing.T) {
	h := newHarness(t, testConfig())
	h.establish()
	h.c.Abort()
	h.flush()
	h.Out(Segment{Seq: h.iss() + 1, Flags: RST})
	h.State(Closed)
	if !errors.Is(h.c.Err(), ErrAborted) {
		t.Fatal(h.c.Err())
	}
}

func TestSlowStartAfterIdle(t *testing.T) {
	for _, on := range []bool{true, false} {
		cfg := testConfig()
		cfg.SlowStartAfterIdle = on
		h := newHarness(t, cfg)
		h.establish()
		iss := h.iss()
		// Grow cwnd with a few acknowledged flights.
		sent := 0
		for i := 0; i < 4; i++ {
			h.c.Write(data(10000))
			h.flush()
			for len(h.out) > 0 {
				s := h.Next()
				sent += len(s.Payload)
			}
			h.In(Segment{Seq: peerISS + 1, Ack: iss.Add(1 + sent), Flags: ACK, Window: 65535})
			h.out = nil
		}
		grown := h.c.ccs.Cwnd
		h.now += 10 * time.Second // idle far longer than the RTO
		h.c.Write(data(100))
		h.flush()
		if on && h.c.ccs.Cwnd != 10*1000 {
			t.Fatalf("cwnd %d after idle, want the restart window 10*MSS (RFC 5681 §4.1) (was %d)", h.c.ccs.Cwnd, grown)
		}
		if !on && h.c.ccs.Cwnd != grown {
			t.Fatalf("cwnd %d changed from %d with restart off", h.c.ccs.Cwnd, grown)
		}
		if grown <= 10*1000 {
			t.Fatalf("cwnd never grew: %d", grown)
		}
	}
}

func TestAutotuningGrowsReceiveBuffer(t *testing.T) {
	cfg := DefaultConfig()
	cfg.RecvBuf, cfg.RecvBufMin, cfg.RecvBufMax = 16<<10, 4<<10, 1<<20
	p := newPipe(t, cfg, cfg, 3, 0)
	p.delay = 20 * time.Millisecond
	p.transfer(4<<20, 0, time.Hour)
	if got := p.b.Info(p.now).RcvBuf; got <= 16<<10 || got > 1<<20 {
		t.Fatalf("receive buffer %d: want grown above 16 KiB and at most 1 MiB", got)
	}
	// An explicit buffer size turns it off.
	cfg.RecvBufMax = 1 << 20
	q := newPipe(t, cfg, cfg, 3, 0)
	q.delay = 20 * time.Millisecond
	for q.b == nil {
		q.step()
	}
	q.b.SetRecvBuffer(16 << 10)
	q.transfer(1<<20, 0, time.Hour)
	if got := q.b.Info(q.now).RcvBuf; got != 16<<10 {
		t.Fatalf("receive buffer %d after SetRecvBuffer(16 KiB)", got)
	}
}

func TestInfoSnapshot(t *testing.T) {
	cfg := DefaultConfig()
	p := newPipe(t, cfg, cfg, 5, 0)
	p.transfer(256<<10, 64<<10, time.Hour)
	a := p.a.Info(p.now)
	if a.BytesAcked != 256<<10 || a.BytesReceived != 64<<10 || a.SegsOut == 0 || a.DataSegsOut == 0 {
		t.Fatalf("byte counts: %+v", a)
	}
	if !a.TimestampsOK || !a.SACKOK || !a.WScaleOK || a.SndWScale != 7 || a.RcvWScale != 7 {
		t.Fatalf("options: %+v", a)
	}
	if a.SndMSS != 1448 || a.AdvMSS != 1460 || a.SRTT == 0 || a.RTO == 0 || a.Cwnd == 0 {
		t.Fatalf("MSS/RTT: %+v", a)
	}
	if a.Congestion != "newreno" || a.TimeInState[SynSent] != 10*time.Millisecond || a.TimeInState[TimeWait] != 2*cfg.MSL {
		t.Fatalf("misc: %+v", a)
	}
	var sum time.Duration
	for _, d := range a.TimeInState {
		sum += d
	}
	if sum != a.Age {
		t.Fatalf("time in states %v != age %v", sum, a.Age)
	}
}

func TestEventsReportReadiness(t *testing.T) {
	h := newHarness(t, testConfig())
	h.establish()
	if e := h.c.Events(); e&EventConnected == 0 {
		t.Fatalf("events %b", e)
	}
	if h.c.Events() != 0 {
		t.Fatal("events not cleared")
	}
	h.In(Segment{Seq: peerISS + 1, Ack: h.iss() + 1, Flags: ACK, Window: 65535, Payload: []byte("x")})
	if e := h.c.Events(); e&EventReadable == 0 || !h.c.Readable() {
		t.Fatalf("events %b", e)
	}
	h.In(Segment{Seq: peerISS + 2, Flags: RST})
	if e := h.c.Events(); e&EventClosed == 0 {
		t.Fatalf("events %b", e)
	}
}

func TestConfigValidateReportsAll(t *testing.T) {
	cfg := DefaultConfig()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	cfg.MTU, cfg.Backlog, cfg.SynCookies = 10, 0, 0
	err := cfg.Validate()
	if err == nil {
		t.Fatal("bad config accepted")
	}
	for _, field := range []string{"MTU", "Backlog", "SynCookies"} {
		if !containsStr(err.Error(), field) {
			t.Fatalf("%q missing from %v", field, err)
		}
	}
}

func containsStr(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func TestSetKeepAliveParamsPerConnection(t *testing.T) {
	h := newHarness(t, testConfig()) // keepalive off in the config
	h.establish()
	h.c.SetKeepAliveParams(5*time.Second, time.Second, 1)
	h.c.SetKeepAlive(true)
	start := h.now
	h.AdvanceToDeadline()
	h.Out(Segment{Seq: h.iss(), Ack: peerISS + 1, Flags: ACK})
	if h.now-start != 5*time.Second {
		t.Fatalf("probe after %v, want the connection's 5s", h.now-start)
	}
	h.AdvanceToDeadline()
	h.State(Closed)
}

func TestInfoChronoTimes(t *testing.T) {
	h := newHarness(t, testConfig())
	h.establish()
	iss := h.iss()
	// The peer's window holds us back for 3 seconds.
	h.In(Segment{Seq: peerISS + 1, Ack: iss + 1, Flags: ACK, Window: 0})
	h.c.Write(data(100))
	h.flush()
	h.now += 3 * time.Second
	h.In(Segment{Seq: peerISS + 1, Ack: iss + 1, Flags: ACK, Window: 4000})
	h.now += time.Second // in flight, unacknowledged
	in := h.c.Info(h.now)
	if in.RwndLimited != 3*time.Second || in.BusyTime != 4*time.Second || in.SndBufLimited != 0 {
		t.Fatalf("busy %v rwnd %v sndbuf %v", in.BusyTime, in.RwndLimited, in.SndBufLimited)
	}
}
