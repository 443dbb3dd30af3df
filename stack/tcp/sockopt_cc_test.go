package tcp

import "testing"

// TCP_MAXSEG and TCP_CONGESTION on an established connection: the next
// segments are cut to the new MSS, an unused initial window is recounted
// in segments of it (RFC 6928), and the algorithm is replaced.
func TestSetMaxSegAndCongestionEstablished(t *testing.T) {
	cfg := testConfig()
	cfg.InitialCwnd = 4
	h := newHarness(t, cfg)
	h.establish() // peer MSS 1000
	if in := h.c.Info(h.now); in.SndMSS != 1000 || in.Cwnd != 4000 || in.Congestion != "newreno" {
		t.Fatalf("after handshake: mss %d cwnd %d %s", in.SndMSS, in.Cwnd, in.Congestion)
	}
	if err := h.c.SetMaxSeg(10); err == nil {
		t.Fatal("MSS 10 accepted")
	}
	if err := h.c.SetMaxSeg(500); err != nil {
		t.Fatal(err)
	}
	if err := h.c.SetCongestion("no-such"); err == nil {
		t.Fatal("unknown algorithm accepted")
	}
	if err := h.c.SetCongestion("cubic"); err != nil {
		t.Fatal(err)
	}
	if in := h.c.Info(h.now); in.SndMSS != 500 || in.Cwnd != 2000 || in.Congestion != "cubic" {
		t.Fatalf("after SetMaxSeg(500), SetCongestion(cubic): mss %d cwnd %d %s", in.SndMSS, in.Cwnd, in.Congestion)
	}
	if _, err := h.c.Write(data(3000)); err != nil {
		t.Fatal(err)
	}
	h.flush()
	for i := range 4 { // the initial window: 4 segments of 500
		h.Out(Segment{Seq: h.iss() + 1 + Seq(500*i), Ack: peerISS + 1, Flags: ACK, Payload: data(3000)[500*i : 500*(i+1)]})
	}
	h.NoOut()
	// With data sent, a new algorithm keeps the window; a larger bound
	// never exceeds the peer's MSS.
	if err := h.c.SetCongestion("reno"); err != nil {
		t.Fatal(err)
	}
	if err := h.c.SetMaxSeg(4000); err != nil {
		t.Fatal(err)
	}
	if in := h.c.Info(h.now); in.SndMSS != 1000 || in.Cwnd != 2000 || in.Congestion != "reno" {
		t.Fatalf("after data: mss %d cwnd %d %s", in.SndMSS, in.Cwnd, in.Congestion)
	}
}

// Before the handshake, SetMaxSeg bounds the MSS the handshake settles on
// and SetCongestion is refused (the listener's or dial's choice applies).
func TestSetMaxSegBeforeHandshake(t *testing.T) {
	h := newHarness(t, testConfig())
	if err := h.c.SetCongestion("cubic"); err != ErrState {
		t.Fatalf("SetCongestion before the handshake: %v", err)
	}
	if err := h.c.SetMaxSeg(600); err != nil {
		t.Fatal(err)
	}
	h.establish()
	if in := h.c.Info(h.now); in.SndMSS != 600 {
		t.Fatalf("mss %d, want 600", in.SndMSS)
	}
}
