package tcp

import "testing"

// RFC 3168 dialogues: negotiation, ECT(0) on new data only, the echo of
// CE until CWR, and one reduction per window for ECE.

func TestECNNegotiationMatrix(t *testing.T) {
	for _, tc := range []struct {
		name string
		on   bool
		f    Flags
		want bool
	}{
		{"SYN asks", true, SYN | ECE | CWR, true},
		{"SYN with ECE only", true, SYN | ECE, false}, // not a request (§6.1.1)
		{"SYN-ACK agrees", true, SYN | ACK | ECE, true},
		{"SYN-ACK with both", true, SYN | ACK | ECE | CWR, false}, // a broken reflector (§6.1.1.1)
		{"SYN-ACK without", true, SYN | ACK, false},
		{"off", false, SYN | ECE | CWR, false},
	} {
		cfg := testConfig()
		cfg.ECN = tc.on
		c := NewConn(&cfg, localAP, remoteAP, 0)
		if got := c.ecnNegotiate(tc.f); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestECNSenderReducesOncePerWindow(t *testing.T) {
	cfg := testConfig()
	cfg.ECN = true
	h := newHarness(t, cfg)
	if err := h.c.Connect(h.now); err != nil {
		t.Fatal(err)
	}
	h.flush()
	h.Out(Segment{Seq: h.iss(), Flags: SYN | ECE | CWR})
	h.In(Segment{Seq: peerISS, Ack: h.iss() + 1, Flags: SYN | ACK | ECE, Window: 65535, Options: Options{MSS: 1000, WScale: -1}})
	h.Out(Segment{Seq: h.iss() + 1, Ack: peerISS + 1, Flags: ACK})
	if in := h.c.Info(h.now); !in.ECNOK {
		t.Fatal("ECN not negotiated")
	}
	iss := h.iss()
	h.c.Write(data(8000))
	h.flush()
	for i := 0; i < 8; i++ {
		s := h.Next()
		if s.ECN != ECNECT0 || s.Flags&(ECE|CWR) != 0 {
			t.Fatalf("new data %s: ECN %d, want ECT(0) and no ECE/CWR", fmtSeg(&s), s.ECN)
		}
	}
	before := h.c.Info(h.now).Cwnd
	// The peer saw CE: ECE on its ACK.
	h.In(Segment{Seq: peerISS + 1, Ack: iss + 1001, Flags: ACK | ECE, Window: 65535})
	in := h.c.Info(h.now)
	if in.CAState != "cwr" || in.Cwnd >= before {
		t.Fatalf("after ECE: %s cwnd %d (was %d)", in.CAState, in.Cwnd, before)
	}
	after := in.Cwnd
	// More ECE within the same window: no second reduction.
	h.In(Segment{Seq: peerISS + 1, Ack: iss + 2001, Flags: ACK | ECE, Window: 65535})
	if c := h.c.Info(h.now).Cwnd; c < after-1000 {
		t.Fatalf("reduced again within a window: %d after %d", c, after)
	}
	// The next new data carries CWR, once (it goes as ACKs open the
	// window).
	h.c.Write(data(2000))
	h.flush()
	cwr := 0
	count := func() {
		for len(h.out) > 0 {
			if s := h.Next(); s.Flags&CWR != 0 {
				cwr++
				if s.ECN != ECNECT0 || len(s.Payload) == 0 {
					t.Fatalf("CWR on %s ECN %d", fmtSeg(&s), s.ECN)
				}
			}
		}
	}
	count()
	if st := h.c.Info(h.now).CAState; st != "cwr" {
		t.Fatalf("state %s before the window is acknowledged", st)
	}
	// Acknowledge everything sent, round after round, until all is.
	for i := 0; h.c.sndUna != iss+10001; i++ {
		if i > 20 {
			t.Fatalf("stuck at %d of 10000", h.c.sndUna-iss-1)
		}
		h.In(Segment{Seq: peerISS + 1, Ack: h.c.sndMax, Flags: ACK, Window: 65535})
		count()
	}
	if cwr != 1 {
		t.Fatalf("%d segments with CWR, want 1", cwr)
	}
	// ECE for data sent after the reduction: a new reduction.
	pre := h.c.Info(h.now).Cwnd
	h.In(Segment{Seq: peerISS + 1, Ack: iss + 10001, Flags: ACK | ECE, Window: 65535})
	if c := h.c.Info(h.now).Cwnd; c >= pre {
		t.Fatalf("a new window's ECE did not reduce: cwnd %d", c)
	}
	if in := h.c.Info(h.now); in.CAState != "cwr" {
		t.Fatalf("state %s", in.CAState)
	}
}

// ECN passive (Linux tcp_ecn=2): a request in a peer's SYN is accepted,
// and our own SYNs never ask, so a SYN-ACK's ECE does not turn ECN on.
func TestECNPassive(t *testing.T) {
	for _, passive := range []bool{false, true} {
		cfg := testConfig()
		cfg.ECN, cfg.ECNPassive = true, passive

		// Active open.
		h := newHarness(t, cfg)
		if err := h.c.Connect(h.now); err != nil {
			t.Fatal(err)
		}
		h.flush()
		syn := h.Next()
		if asks := syn.Flags&(ECE|CWR) == ECE|CWR; asks == passive {
			t.Fatalf("passive %v: SYN %v", passive, syn.Flags)
		}
		h.In(Segment{Seq: peerISS, Ack: h.iss() + 1, Flags: SYN | ACK | ECE, Window: 65535, Options: Options{MSS: 1000, WScale: -1}})
		h.Out(Segment{Seq: h.iss() + 1, Ack: peerISS + 1, Flags: ACK})
		if ok := h.c.Info(h.now).ECNOK; ok == passive {
			t.Fatalf("passive %v: active open ECNOK %v after a SYN-ACK with ECE", passive, ok)
		}
		h.c.Write(data(100))
		h.flush()
		if s := h.Next(); (s.ECN == ECNECT0) == passive {
			t.Fatalf("passive %v: data sent with ECN codepoint %d", passive, s.ECN)
		}

		// Passive open: the peer asks; both modes agree.
		l := newLHarness(t, cfg, 4)
		l.In(peer(0), Segment{Seq: peerISS, Flags: SYN | ECE | CWR, Window: 65535, Options: Options{MSS: 1000, WScale: -1}})
		sa := l.Next()
		if sa.Flags&(SYN|ACK|ECE|CWR) != SYN|ACK|ECE {
			t.Fatalf("passive %v: SYN-ACK %v to an ECN-setup SYN, want SYN|ACK|ECE", passive, sa.Flags)
		}
		c := l.In(peer(0), Segment{Seq: peerISS + 1, Ack: sa.Seq + 1, Flags: ACK, Window: 65535})
		if c == nil || !c.Info(l.now).ECNOK {
			t.Fatalf("passive %v: accepted connection without ECN", passive)
		}
	}
}
