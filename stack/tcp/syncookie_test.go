package tcp

import (
	"testing"
	"time"
)

func TestSynCookieOverflowPath(t *testing.T) {
	cfg := testConfig()
	h := newLHarness(t, cfg, 1)
	h.In(peer(0), Segment{Seq: peerISS, Flags: SYN, Window: 65535, Options: Options{MSS: 1460, WScale: -1}})
	h.Next()
	if h.l.SynQueueLen() != 1 {
		t.Fatal("first SYN not queued")
	}
	// The queue is full: the next SYN gets a cookie and no state.
	h.In(peer(1), Segment{Seq: 9000, Flags: SYN, Window: 65535, Options: Options{MSS: 1400, WScale: -1}})
	sa := h.Next()
	if sa.Flags != SYN|ACK || sa.Ack != 9001 || h.l.SynQueueLen() != 1 || h.l.Stats().CookiesSent != 1 {
		t.Fatalf("got %s, queue %d, stats %+v", fmtSeg(&sa), h.l.SynQueueLen(), h.l.Stats())
	}
	if sa.Options.WScale >= 0 || sa.Options.SACKPermitted {
		t.Fatal("cookie SYN-ACK without timestamps offered options it cannot remember")
	}
	h.now += 10 * time.Second
	c := h.In(peer(1), Segment{Seq: 9001, Ack: sa.Seq + 1, Flags: ACK, Window: 65535, Payload: []byte("hi")})
	if c == nil || c.State() != Established {
		t.Fatal("valid cookie refused")
	}
	if c.peerMSS != 1400 || c.sndMSS != 1000 {
		t.Fatalf("peer MSS %d (cookie table keeps 1400), send MSS %d", c.peerMSS, c.sndMSS)
	}
	b := make([]byte, 8)
	if n, _ := c.Read(b); string(b[:n]) != "hi" {
		t.Fatalf("data on the cookie ACK: %q", b[:n])
	}
}

func TestSynCookieAlwaysCarriesOptionsInTimestamp(t *testing.T) {
	cfg := testConfig()
	cfg.SynCookies = SynCookiesAlways
	cfg.Timestamps, cfg.WindowScaling, cfg.SACK = true, true, true
	h := newLHarness(t, cfg, 100)
	syn := Segment{Seq: 7000, Flags: SYN, Window: 65535,
		Options: Options{MSS: 1460, WScale: 9, SACKPermitted: true, HasTS: true, TSVal: 4242}}
	h.In(peer(0), syn)
	sa := h.Next()
	if h.l.SynQueueLen() != 0 {
		t.Fatal("state kept in always mode")
	}
	if !sa.Options.HasTS || sa.Options.TSEcr != 4242 || sa.Options.WScale < 0 || !sa.Options.SACKPermitted {
		t.Fatalf("cookie SYN-ACK %s", fmtSeg(&sa))
	}
	c := h.In(peer(0), Segment{Seq: 7001, Ack: sa.Seq + 1, Flags: ACK, Window: 100,
		Options: Options{WScale: -1, HasTS: true, TSVal: 4243, TSEcr: sa.Options.TSVal}})
	if c == nil {
		t.Fatal("cookie refused")
	}
	in := c.Info(h.now)
	if !in.WScaleOK || in.SndWScale != 9 || !in.SACKOK || !in.TimestampsOK || in.SndMSS != 1000-12 || c.peerMSS != 1460 {
		t.Fatalf("options not restored: %+v", in)
	}
	if in.SndWnd != 100<<9 {
		t.Fatalf("send window %d, want scaled 100<<9", in.SndWnd)
	}
	if c.tsRecent != 4243 {
		t.Fatalf("TS.Recent %d", c.tsRecent)
	}
}

func TestSynCookieStaleRejected(t *testing.T) {
	cfg := testConfig()
	cfg.SynCookies = SynCookiesAlways
	h := newLHarness(t, cfg, 100)
	h.In(peer(0), Segment{Seq: 7000, Flags: SYN, Window: 65535})
	sa := h.Next()
	h.now += 4 * cookiePeriod
	if c := h.In(peer(0), Segment{Seq: 7001, Ack: sa.Seq + 1, Flags: ACK, Window: 100}); c != nil {
		t.Fatal("stale cookie accepted")
	}
	if r := h.Next(); r.Flags != RST || r.Seq != sa.Seq+1 {
		t.Fatalf("answer %s, want RST", fmtSeg(&r))
	}
	if h.l.Stats().CookiesInvalid != 1 {
		t.Fatal("not counted")
	}
}

func TestSynCookieForgedRejected(t *testing.T) {
	cfg := testConfig()
	cfg.SynCookies = SynCookiesAlways
	h := newLHarness(t, cfg, 100)
	h.In(peer(0), Segment{Seq: 7000, Flags: SYN, Window: 65535})
	sa := h.Next()
	for _, bad := range []Segment{
		{Seq: 7001, Ack: sa.Seq + 2, Flags: ACK}, // wrong cookie
		{Seq: 7002, Ack: sa.Seq + 1, Flags: ACK}, // wrong peer ISN
	} {
		if c := h.In(peer(0), bad); c != nil {
			t.Fatalf("forged cookie %s accepted", fmtSeg(&bad))
		}
		h.Next()
	}
	if c := h.In(peer(1), Segment{Seq: 7001, Ack: sa.Seq + 1, Flags: ACK}); c != nil {
		t.Fatal("cookie accepted from another port")
	}
}

func TestSynCookieWithinWindowAccepted(t *testing.T) {
	cfg := testConfig()
	cfg.SynCookies = SynCookiesAlways
	for _, wait := range []time.Duration{0, cookiePeriod, 2 * cookiePeriod} {
		h := newLHarness(t, cfg, 100)
		h.In(peer(0), Segment{Seq: 7000, Flags: SYN, Window: 65535})
		sa := h.Next()
		h.now += wait
		if c := h.In(peer(0), Segment{Seq: 7001, Ack: sa.Seq + 1, Flags: ACK, Window: 100}); c == nil {
			t.Fatalf("cookie refused after %v", wait)
		}
	}
}

func TestCookieMSSTable(t *testing.T) {
	for _, tc := range []struct{ in, want uint16 }{{0, 536}, {100, 216}, {536, 536}, {1459, 1440}, {1460, 1460}, {9000, 8960}} {
		if got := cookieMSS[cookieMSSIndex(tc.in)]; got != tc.want {
			t.Errorf("MSS %d -> %d, want %d", tc.in, got, tc.want)
		}
	}
}

func TestSynFloodStillAcceptsThroughCookies(t *testing.T) {
	cfg := testConfig()
	h := newLHarness(t, cfg, 64)
	for i := 0; i < 5000; i++ {
		h.In(peer(i%20000), Segment{Seq: Seq(i * 7919), Flags: SYN, Window: 65535})
		if i%100 == 0 {
			h.Advance(50 * time.Millisecond)
		}
		h.out = h.out[:0]
	}
	if h.l.SynQueueLen() > 64 || len(h.l.timers) > 2*64+17 {
		t.Fatalf("SYN queue %d, timer heap %d: unbounded", h.l.SynQueueLen(), len(h.l.timers))
	}
	// A real client during the flood gets a cookie and gets in.
	real := peer(30000)
	h.In(real, Segment{Seq: 123, Flags: SYN, Window: 65535})
	sa := h.Next()
	if c := h.In(real, Segment{Seq: 124, Ack: sa.Seq + 1, Flags: ACK, Window: 65535}); c == nil {
		t.Fatalf("real client refused during the flood; stats %+v", h.l.Stats())
	}
	// The half-open entries expire.
	for i := 0; i < 20; i++ {
		h.Advance(10 * time.Second)
	}
	if h.l.SynQueueLen() != 0 || h.l.NextDeadline() != 0 {
		t.Fatalf("SYN queue %d after expiry", h.l.SynQueueLen())
	}
}

// BenchmarkListenerSynCookie is the cost of answering one SYN with a
// cookie (the SYN-flood path).
func BenchmarkListenerSynCookie(b *testing.B) {
	cfg := testConfig()
	cfg.SynCookies = SynCookiesAlways
	l := NewListener(&cfg, localAP, 16, [16]byte{1})
	seg := Segment{SrcPort: 40000, DstPort: localAP.Port(), Flags: SYN, Window: 65535, Options: Options{MSS: 1460, WScale: 7, SACKPermitted: true, HasTS: true, TSVal: 9}}
	emit := func(*Segment) {}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		seg.Seq = Seq(i)
		l.Input(time.Minute, remoteAP, &seg, emit)
	}
}

// TestSynCookieAckAcceptQueueFull: a valid cookie returned while the
// accept queue is full is dropped without a reply, as the completing ACK
// of a queued handshake is (Linux drops both): a RST would reset a
// connection the peer already holds as established. The peer's next
// segment brings the cookie again and, once there is room, opens it.
func TestSynCookieAckAcceptQueueFull(t *testing.T) {
	cfg := testConfig()
	cfg.SynCookies = SynCookiesAlways
	h := newLHarness(t, cfg, 1)
	for i := 0; i < 2; i++ {
		h.In(peer(i), Segment{Seq: 9000, Flags: SYN, Window: 65535, Options: Options{MSS: 1400, WScale: -1}})
	}
	sa0, sa1 := h.Next(), h.Next()
	if c := h.In(peer(0), Segment{Seq: 9001, Ack: sa0.Seq + 1, Flags: ACK, Window: 65535}); c == nil {
		t.Fatal("first cookie refused")
	}
	// The accept queue (backlog 1) is full now.
	ack := Segment{Seq: 9001, Ack: sa1.Seq + 1, Flags: ACK, Window: 65535, Payload: []byte("hi")}
	if c := h.In(peer(1), ack); c != nil {
		t.Fatal("a connection beyond the backlog")
	}
	h.NoOut()
	if st := h.l.Stats(); st.AcceptFull != 1 || st.Resets != 0 {
		t.Fatalf("stats %+v: want the ACK counted as accept-full and no reset", st)
	}
	h.l.Accepted()
	c := h.In(peer(1), ack) // the peer's retransmission
	if c == nil || c.State() != Established {
		t.Fatal("the cookie's retransmission did not open the connection once there was room")
	}
	b := make([]byte, 8)
	if n, _ := c.Read(b); string(b[:n]) != "hi" {
		t.Fatalf("data on the cookie ACK: %q", b[:n])
	}
}
