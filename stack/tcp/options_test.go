package tcp

import (
	"testing"
	"time"
)

// establishOpts does the active open with the options of cfg and the
// SYN-ACK options given; it returns our SYN.
func (h *harness) establishOpts(synAck Options, wnd uint16) Segment {
	h.t.Helper()
	h.c.Connect(h.now)
	h.flush()
	syn := h.Out(Segment{Seq: h.iss(), Flags: SYN})
	h.In(Segment{Seq: peerISS, Ack: h.iss() + 1, Flags: SYN | ACK, Window: wnd, Options: synAck})
	h.Out(Segment{Seq: h.iss() + 1, Ack: peerISS + 1, Flags: ACK})
	h.State(Established)
	return syn
}

func TestWindowScaleNegotiatedAndApplied(t *testing.T) {
	cfg := testConfig()
	cfg.WindowScaling = true
	cfg.RecvBufMax = 6 << 20 // shift 7 fits 6 MiB in 16 bits
	h := newHarness(t, cfg)
	syn := h.establishOpts(Options{MSS: 1000, WScale: 3}, 1000)
	if syn.Options.WScale != 7 {
		t.Fatalf("offered wscale %d, want 7", syn.Options.WScale)
	}
	if syn.Window != 65535 {
		t.Fatalf("SYN window %d: a SYN's window is not scaled and caps at 65535", syn.Window)
	}
	// RFC 7323 §2.2: the SYN-ACK's window is taken unscaled.
	if h.c.sndWnd != 1000 {
		t.Fatalf("send window %d after SYN-ACK, want 1000 unscaled", h.c.sndWnd)
	}
	// Later windows are scaled by the peer's shift.
	h.In(Segment{Seq: peerISS + 1, Ack: h.iss() + 1, Flags: ACK, Window: 100})
	if h.c.sndWnd != 800 {
		t.Fatalf("send window %d, want 100<<3", h.c.sndWnd)
	}
	// Ours are scaled by our shift: 64 KiB of buffer is 512 units of 128.
	h.In(Segment{Seq: peerISS + 1, Ack: h.iss() + 1, Flags: ACK | PSH, Window: 100, Payload: []byte("x")})
	h.AdvanceToDeadline()
	if a := h.Next(); a.Window != uint16((64<<10-1)>>7)+1 && a.Window != (64<<10)>>7 {
		t.Fatalf("advertised window field %d", a.Window)
	}
}

func TestWindowScaleNotOfferedByPeer(t *testing.T) {
	cfg := testConfig()
	cfg.WindowScaling = true
	h := newHarness(t, cfg)
	h.establishOpts(Options{MSS: 1000, WScale: -1}, 1000)
	h.In(Segment{Seq: peerISS + 1, Ack: h.iss() + 1, Flags: ACK, Window: 100})
	if h.c.sndWnd != 100 || h.c.wsOK {
		t.Fatalf("send window %d wsOK %v: no scaling unless both offer", h.c.sndWnd, h.c.wsOK)
	}
}

func tsConfig() Config {
	cfg := testConfig()
	cfg.Timestamps = true
	return cfg
}

func TestTimestampsPAWSDropsOldSegment(t *testing.T) {
	h := newHarness(t, tsConfig())
	h.establishOpts(Options{MSS: 1000, WScale: -1, HasTS: true, TSVal: 1000}, 65535)
	iss := h.iss()
	ts := func(v uint32) Options { return Options{WScale: -1, HasTS: true, TSVal: v, TSEcr: 1} }
	h.In(Segment{Seq: peerISS + 1, Ack: iss + 1, Flags: ACK, Window: 65535, Payload: []byte("new"), Options: ts(1001)})
	if h.c.rcv.n != 3 || h.c.tsRecent != 1001 {
		t.Fatalf("rcv %d tsRecent %d", h.c.rcv.n, h.c.tsRecent)
	}
	// RFC 7323 §5.3: TSval 999 < TS.Recent: drop, and acknowledge.
	h.In(Segment{Seq: peerISS + 4, Ack: iss + 1, Flags: ACK, Window: 65535, Payload: []byte("old"), Options: ts(999)})
	a := h.Out(Segment{Seq: iss + 1, Ack: peerISS + 4, Flags: ACK})
	if h.c.rcv.n != 3 {
		t.Fatal("PAWS did not drop the segment")
	}
	if !a.Options.HasTS || a.Options.TSEcr != 1001 {
		t.Fatalf("ACK echoes %d, want TS.Recent 1001", a.Options.TSEcr)
	}
	// A RST is exempt from PAWS (RFC 7323 §5.3 R1 applies to non-RST).
	h.In(Segment{Seq: peerISS + 4, Flags: RST, Options: ts(5)})
	h.State(Closed)
}

func TestTimestampsRTTSample(t *testing.T) {
	h := newHarness(t, tsConfig())
	h.c.Connect(h.now)
	h.flush()
	iss := h.iss()
	syn := h.Out(Segment{Seq: iss, Flags: SYN})
	h.now += 37 * time.Millisecond
	h.In(Segment{Seq: peerISS, Ack: iss + 1, Flags: SYN | ACK, Window: 65535,
		Options: Options{MSS: 1000, WScale: -1, HasTS: true, TSVal: 1000, TSEcr: syn.Options.TSVal}})
	h.Next()
	in := h.c.Info(h.now)
	if in.SRTT != 37*time.Millisecond || in.RTTVar != 37*time.Millisecond/2 {
		t.Fatalf("SRTT %v RTTVAR %v, want 37ms and 18.5ms (RFC 6298 §2.2)", in.SRTT, in.RTTVar)
	}
	h.c.Write([]byte("ping"))
	h.flush()
	d := h.Out(Segment{Seq: iss + 1, Ack: peerISS + 1, Flags: ACK | PSH, Payload: []byte("ping")})
	if !d.Options.HasTS {
		t.Fatal("no timestamp on data after negotiation")
	}
	h.now += 37 * time.Millisecond
	h.In(Segment{Seq: peerISS + 1, Ack: iss + 5, Flags: ACK, Window: 65535,
		Options: Options{WScale: -1, HasTS: true, TSVal: 1010, TSEcr: d.Options.TSVal}})
	in = h.c.Info(h.now)
	// RFC 6298 §2.3 with R' = SRTT: RTTVAR = 3/4 * 18.5ms.
	if in.SRTT != 37*time.Millisecond || in.RTTVar != 13875*time.Microsecond {
		t.Fatalf("SRTT %v RTTVAR %v, want 37ms and 13.875ms (RFC 6298 §2.3)", in.SRTT, in.RTTVar)
	}
	// SRTT + 4*RTTVAR = 92.5ms is below the 200ms floor (RFC 6298 §2.4).
	if in.RTO != 200*time.Millisecond {
		t.Fatalf("RTO %v, want the 200ms floor", in.RTO)
	}
}

func TestTimestampsNotOfferedByPeer(t *testing.T) {
	h := newHarness(t, tsConfig())
	syn := h.establishOpts(Options{MSS: 1000, WScale: -1}, 65535)
	if !syn.Options.HasTS {
		t.Fatal("SYN without TS")
	}
	h.c.Write([]byte("x"))
	h.flush()
	if s := h.Next(); s.Options.HasTS {
		t.Fatal("TS sent although the peer did not offer it")
	}
	if h.c.sndMSS != 1000 {
		t.Fatalf("MSS %d: no TS, no 12-byte reduction", h.c.sndMSS)
	}
}

func TestMSSDefaultsTo536WithoutOption(t *testing.T) {
	h := newHarness(t, testConfig())
	h.establishOpts(Options{WScale: -1}, 65535)
	h.c.SetNoDelay(true)
	h.c.Write(data(1200))
	h.flush()
	if a, b := h.Next(), h.Next(); len(a.Payload) != 536 || len(b.Payload) != 536 {
		t.Fatalf("segments %d, %d: RFC 9293 §3.7.1 default 536", len(a.Payload), len(b.Payload))
	}
}

func TestMSSClamp(t *testing.T) {
	cfg := testConfig()
	cfg.MSSClamp = 700
	h := newHarness(t, cfg)
	syn := h.establishOpts(Options{MSS: 1460, WScale: -1}, 65535)
	if syn.Options.MSS != 700 || h.c.sndMSS != 700 {
		t.Fatalf("advertised %d, send MSS %d, want 700", syn.Options.MSS, h.c.sndMSS)
	}
}

func sackConfig() Config {
	cfg := testConfig()
	cfg.SACK = true
	return cfg
}

func TestSACKBlocksMostRecentFirst(t *testing.T) {
	h := newHarness(t, sackConfig())
	syn := h.establishOpts(Options{MSS: 1000, WScale: -1, SACKPermitted: true}, 65535)
	if !syn.Options.SACKPermitted {
		t.Fatal("SYN without SACK-permitted")
	}
	iss := h.iss()
	p := data(100)
	in := func(off int) {
		h.In(Segment{Seq: peerISS + 1 + Seq(off), Ack: iss + 1, Flags: ACK, Window: 65535, Payload: p})
	}
	base := peerISS + 1
	in(200)
	a := h.Out(Segment{Seq: iss + 1, Ack: base, Flags: ACK})
	wantSACK(t, a, SACKBlock{base + 200, base + 300})
	in(400)
	a = h.Out(Segment{Seq: iss + 1, Ack: base, Flags: ACK})
	wantSACK(t, a, SACKBlock{base + 400, base + 500}, SACKBlock{base + 200, base + 300})
	in(600)
	in(300) // joins 200-300 and 400-500
	h.Next()
	a = h.Out(Segment{Seq: iss + 1, Ack: base, Flags: ACK})
	wantSACK(t, a, SACKBlock{base + 200, base + 500}, SACKBlock{base + 600, base + 700})
	// The gap fills: everything up to 500 is in order; ACK at once.
	in(0)
	in(100)
	h.Next()
	a = h.Out(Segment{Seq: iss + 1, Ack: base + 500, Flags: ACK})
	wantSACK(t, a, SACKBlock{base + 600, base + 700})
}

func TestDSACKReportsDuplicate(t *testing.T) {
	cfg := sackConfig()
	h := newHarness(t, cfg)
	h.establishOpts(Options{MSS: 1000, WScale: -1, SACKPermitted: true}, 65535)
	iss := h.iss()
	base := peerISS + 1
	p := data(100)
	h.In(Segment{Seq: base, Ack: iss + 1, Flags: ACK, Window: 65535, Payload: p})
	h.In(Segment{Seq: base + 100, Ack: iss + 1, Flags: ACK, Window: 65535, Payload: p})
	h.AdvanceToDeadline() // two small segments: the delayed ACK
	h.Out(Segment{Seq: iss + 1, Ack: base + 200, Flags: ACK})
	// RFC 2883 §4: a duplicate below the cumulative ACK is reported in
	// the first block.
	h.In(Segment{Seq: base, Ack: iss + 1, Flags: ACK, Window: 65535, Payload: p})
	a := h.Out(Segment{Seq: iss + 1, Ack: base + 200, Flags: ACK})
	wantSACK(t, a, SACKBlock{base, base + 100})
	// A duplicate of out-of-order data: D-SACK first, then the range.
	h.In(Segment{Seq: base + 300, Ack: iss + 1, Flags: ACK, Window: 65535, Payload: p})
	h.Next()
	h.In(Segment{Seq: base + 300, Ack: iss + 1, Flags: ACK, Window: 65535, Payload: p})
	a = h.Out(Segment{Seq: iss + 1, Ack: base + 200, Flags: ACK})
	wantSACK(t, a, SACKBlock{base + 300, base + 400}, SACKBlock{base + 300, base + 400})
	// Without D-SACK configured there is no duplicate block.
	cfg.DSACK = false
	h2 := newHarness(t, cfg)
	h2.establishOpts(Options{MSS: 1000, WScale: -1, SACKPermitted: true}, 65535)
	h2.In(Segment{Seq: base, Ack: h2.iss() + 1, Flags: ACK, Window: 65535, Payload: p})
	h2.AdvanceToDeadline()
	h2.Next()
	h2.In(Segment{Seq: base, Ack: h2.iss() + 1, Flags: ACK, Window: 65535, Payload: p})
	wantSACK(t, h2.Next())
}

func wantSACK(t *testing.T, s Segment, want ...SACKBlock) {
	t.Helper()
	got := s.Options.SACK[:s.Options.NumSACK]
	if len(got) != len(want) {
		t.Fatalf("SACK blocks %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("SACK blocks %v, want %v", got, want)
		}
	}
}

func TestSACKThreeBlocksWithTimestamps(t *testing.T) {
	cfg := sackConfig()
	cfg.Timestamps = true
	h := newHarness(t, cfg)
	h.establishOpts(Options{MSS: 1000, WScale: -1, SACKPermitted: true, HasTS: true, TSVal: 1}, 65535)
	for i := 0; i < 5; i++ {
		h.In(Segment{Seq: peerISS + 1 + Seq(200*i+100), Ack: h.iss() + 1, Flags: ACK, Window: 65535, Payload: data(50),
			Options: Options{WScale: -1, HasTS: true, TSVal: 2}})
	}
	var last Segment
	for len(h.out) > 0 {
		last = h.Next()
	}
	if last.Options.NumSACK != 3 {
		t.Fatalf("%d SACK blocks beside timestamps, want 3 (40 option bytes)", last.Options.NumSACK)
	}
}
