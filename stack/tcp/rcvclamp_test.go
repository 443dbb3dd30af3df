package tcp

import "testing"

// init_rwnd (Linux's initrwnd route attribute): the SYN's and SYN-ACK's
// window is min(InitRwnd*MSS, buffer), and it widens as data arrives.

func TestInitRwndActiveOpen(t *testing.T) {
	for _, tc := range []struct {
		segs int
		want uint16
	}{
		{0, 65535},   // the 64 KiB buffer alone (a SYN's window is never scaled)
		{4, 4000},    // 4 segments of our MSS of 1000
		{100, 65535}, // the buffer bounds it still
	} {
		cfg := testConfig()
		cfg.InitRwnd = tc.segs
		h := newHarness(t, cfg)
		if err := h.c.Connect(h.now); err != nil {
			t.Fatal(err)
		}
		h.flush()
		if syn := h.Out(Segment{Seq: h.iss(), Flags: SYN}); syn.Window != tc.want {
			t.Fatalf("init_rwnd %d: SYN window %d, want %d", tc.segs, syn.Window, tc.want)
		}
		h.In(Segment{Seq: peerISS, Ack: h.iss() + 1, Flags: SYN | ACK, Window: 65535, Options: Options{MSS: 1000, WScale: -1}})
		if a := h.Out(Segment{Seq: h.iss() + 1, Ack: peerISS + 1, Flags: ACK}); a.Window != tc.want {
			t.Fatalf("init_rwnd %d: window %d after the handshake, want %d", tc.segs, a.Window, tc.want)
		}
	}
}

func TestInitRwndGrowsWithData(t *testing.T) {
	cfg := testConfig()
	cfg.InitRwnd = 4
	cfg.DelayedAck = 0 // an ACK per segment shows each step
	h := newHarness(t, cfg)
	h.establishOpts(Options{MSS: 1000, WScale: -1}, 65535)
	seq := peerISS + 1
	for i := 0; i < 40; i++ {
		h.In(Segment{Seq: seq, Ack: h.iss() + 1, Flags: ACK, Window: 65535, Payload: data(1000)})
		seq += 1000
		// Two segments wider per segment, within the free buffer (the
		// application reads nothing).
		want := min(4000+2000*(i+1), 64<<10-1000*(i+1))
		a := h.Out(Segment{Seq: h.iss() + 1, Ack: seq, Flags: ACK})
		if int(a.Window) != min(want, 65535) {
			t.Fatalf("segment %d: window %d, want %d", i+1, a.Window, want)
		}
		if h.c.rcvClamp == 0 {
			break
		}
	}
	if h.c.rcvClamp != 0 {
		t.Fatal("the initial-window bound never let go")
	}
}

func TestInitRwndPassiveOpen(t *testing.T) {
	for _, cookies := range []SynCookieMode{SynCookiesOff, SynCookiesAlways} {
		cfg := testConfig()
		cfg.InitRwnd = 3
		cfg.SynCookies = cookies
		h := newLHarness(t, cfg, 4)
		h.In(peer(0), Segment{Seq: peerISS, Flags: SYN, Window: 65535, Options: Options{MSS: 1000, WScale: -1}})
		if sa := h.Next(); sa.Window != 3000 {
			t.Fatalf("cookies %v: SYN-ACK window %d, want 3000", cookies, sa.Window)
		}
	}
}
