package tcp

import (
	"testing"
	"time"
)

// RFC 5961, RFC 1337, RFC 6191 and RFC 6528.

func TestRFC5961ResetMatrix(t *testing.T) {
	// RFC 5961 §3.2: a RST acts only at exactly RCV.NXT; elsewhere in the
	// window it draws a challenge ACK; outside it is dropped silently.
	for _, tc := range []struct {
		name  string
		off   int // from RCV.NXT
		state State
		out   bool // a challenge ACK
	}{
		{"exact", 0, Closed, false},
		{"in-window", 1, Established, true},
		{"window-end", 65534, Established, true},
		{"at-window-edge", 65535, Established, false},
		{"beyond-window", 65536, Established, false},
		{"before-window", -1, Established, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, testConfig())
			h.establish()
			h.In(Segment{Seq: peerISS + 1 + Seq(tc.off), Flags: RST})
			h.State(tc.state)
			if tc.out {
				h.Out(Segment{Seq: h.iss() + 1, Ack: peerISS + 1, Flags: ACK})
			}
			h.NoOut()
		})
	}
}

func TestRFC5961SynInSynchronizedStateChallengeAck(t *testing.T) {
	for _, off := range []int{0, 100, -1000, 1 << 20} {
		h := newHarness(t, testConfig())
		h.establish()
		h.In(Segment{Seq: peerISS + 1 + Seq(off), Flags: SYN, Window: 100})
		h.Out(Segment{Seq: h.iss() + 1, Ack: peerISS + 1, Flags: ACK})
		h.State(Established)
	}
}

func TestRFC5961ChallengeAckRateLimit(t *testing.T) {
	cfg := testConfig()
	cfg.ChallengeAckLimit = 5
	h := newHarness(t, cfg)
	h.establish()
	for i := 0; i < 50; i++ {
		h.In(Segment{Seq: peerISS + 100, Flags: RST})
	}
	if len(h.out) != 5 {
		t.Fatalf("%d challenge ACKs in a second, want 5", len(h.out))
	}
	h.out = nil
	h.now += time.Second
	h.In(Segment{Seq: peerISS + 100, Flags: RST})
	h.Out(Segment{Seq: h.iss() + 1, Ack: peerISS + 1, Flags: ACK})
}

func TestRFC5961AckValidation(t *testing.T) {
	h := newHarness(t, testConfig())
	h.establish()
	iss := h.iss()
	h.c.Write(data(100))
	h.flush()
	h.Next()
	// RFC 5961 §5.2: an ACK of data never sent: challenge ACK, segment dropped.
	h.In(Segment{Seq: peerISS + 1, Ack: iss + 5000, Flags: ACK, Window: 65535, Payload: []byte("bad")})
	h.Out(Segment{Seq: iss + 101, Ack: peerISS + 1, Flags: ACK})
	if h.c.rcv.n != 0 || h.c.sndUna != iss+1 {
		t.Fatal("segment with an invalid ACK was used")
	}
	// An ACK too far below SND.UNA - MAX.SND.WND likewise.
	h.In(Segment{Seq: peerISS + 1, Ack: iss - 70000, Flags: ACK, Window: 65535, Payload: []byte("old")})
	h.Out(Segment{Seq: iss + 101, Ack: peerISS + 1, Flags: ACK})
	// An old ACK within MAX.SND.WND is acceptable: its data is taken.
	h.In(Segment{Seq: peerISS + 1, Ack: iss, Flags: ACK, Window: 65535, Payload: []byte("ok")})
	if h.c.rcv.n != 2 {
		t.Fatal("acceptable old ACK's data dropped")
	}
}

func TestRFC1337IgnoresRstInTimeWait(t *testing.T) {
	for _, on := range []bool{true, false} {
		cfg := testConfig()
		cfg.RFC1337 = on
		h := newHarness(t, cfg)
		h.establish()
		h.c.Close()
		h.flush()
		h.Next()
		h.In(Segment{Seq: peerISS + 1, Ack: h.iss() + 2, Flags: ACK | FIN, Window: 65535})
		h.Next()
		h.State(TimeWait)
		h.In(Segment{Seq: peerISS + 2, Flags: RST})
		if on {
			h.State(TimeWait)
		} else {
			h.State(Closed)
		}
	}
}

func TestTimeWaitReuseBySyn(t *testing.T) {
	tw := func(cfg Config, ts bool) *harness {
		h := newHarness(t, cfg)
		opts := Options{MSS: 1000, WScale: -1}
		if ts {
			opts.HasTS, opts.TSVal = true, 500
		}
		h.establishOpts(opts, 65535)
		h.c.Close()
		h.flush()
		h.Next()
		fin := Segment{Seq: peerISS + 1, Ack: h.iss() + 2, Flags: ACK | FIN, Window: 65535}
		if ts {
			fin.Options = Options{WScale: -1, HasTS: true, TSVal: 600}
		}
		h.In(fin)
		h.State(TimeWait)
		return h
	}
	// Without timestamps: a higher sequence number (RFC 9293 §3.10.7.4, RFC 6191 §2).
	h := tw(testConfig(), false)
	if !h.c.AcceptsNewSYN(&Segment{Seq: peerISS + 100, Flags: SYN}) {
		t.Fatal("SYN above RCV.NXT refused")
	}
	if h.c.AcceptsNewSYN(&Segment{Seq: peerISS, Flags: SYN}) {
		t.Fatal("SYN below RCV.NXT accepted")
	}
	// With timestamps: a newer timestamp, whatever the sequence number.
	h = tw(tsConfig(), true)
	if !h.c.AcceptsNewSYN(&Segment{Seq: peerISS - 100, Flags: SYN, Options: Options{WScale: -1, HasTS: true, TSVal: 601}}) {
		t.Fatal("SYN with a newer timestamp refused")
	}
	if h.c.AcceptsNewSYN(&Segment{Seq: peerISS + 100, Flags: SYN, Options: Options{WScale: -1, HasTS: true, TSVal: 599}}) {
		t.Fatal("SYN with an older timestamp accepted")
	}
	// Reuse off.
	cfg := testConfig()
	cfg.TimeWaitReuse = false
	h = tw(cfg, false)
	if h.c.AcceptsNewSYN(&Segment{Seq: peerISS + 100, Flags: SYN}) {
		t.Fatal("reuse while off")
	}
}

func TestISNKeyedAndClocked(t *testing.T) {
	k1, k2 := [16]byte{1}, [16]byte{2}
	a := ISN(&k1, localAP, remoteAP, 0)
	if ISN(&k2, localAP, remoteAP, 0) == a {
		t.Fatal("ISN does not depend on the key")
	}
	if ISN(&k1, localAP, peer(1), 0) == a {
		t.Fatal("ISN does not depend on the 4-tuple")
	}
	// RFC 6528 §3: M ticks every 4 microseconds.
	if d := ISN(&k1, localAP, remoteAP, 4*time.Millisecond).Sub(a); d != 1000 {
		t.Fatalf("ISN advanced %d in 4ms, want 1000", d)
	}
}

func TestTimeWaitReuseISNBeyondOldIncarnation(t *testing.T) {
	h := newHarness(t, testConfig())
	h.establish()
	h.c.Write(data(5000))
	h.flush()
	h.out = nil
	isn := h.c.ReuseISN()
	if want := h.c.sndMax.Add(65537); isn != want {
		t.Fatalf("ReuseISN %d, want SND.MAX+65537 = %d", isn, want)
	}
	lh := newLHarness(t, testConfig(), 4)
	lh.l.SetNextISN(remoteAP, isn)
	lh.In(remoteAP, Segment{Seq: peerISS + 100000, Flags: SYN, Window: 65535})
	if sa := lh.Next(); sa.Seq != isn {
		t.Fatalf("SYN-ACK ISS %d, want %d", sa.Seq, isn)
	}
	if lh.l.reuseOK {
		t.Fatal("the pending ISS was not consumed")
	}
	// Another remote's SYN never takes it.
	lh.l.SetNextISN(remoteAP, isn)
	lh.In(peer(1), Segment{Seq: 1, Flags: SYN, Window: 65535})
	if sa := lh.Next(); sa.Seq == isn {
		t.Fatal("ISS for one 4-tuple used by another")
	}
}
