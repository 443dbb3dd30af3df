package tcp

import (
	"bytes"
	"testing"
)

// streamByte is the byte at stream offset i, so overlapping segments
// carry the same bytes as a real sender's would.
func streamByte(i int) byte { return byte(i*31 + i>>7) }

func streamData(off, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = streamByte(off + i)
	}
	return b
}

func TestReassemblyTable(t *testing.T) {
	type span struct{ off, n int }
	for _, tc := range []struct {
		name    string
		segs    []span
		wantNxt int    // in-order bytes after all segments
		wantOOO []span // ranges held beyond
	}{
		{"in-order", []span{{0, 10}, {10, 10}}, 20, nil},
		{"reversed", []span{{20, 10}, {10, 10}, {0, 10}}, 30, nil},
		{"exact-duplicate", []span{{0, 10}, {0, 10}}, 10, nil},
		{"old-duplicate-inside", []span{{0, 30}, {5, 10}}, 30, nil},
		{"overlap-left", []span{{0, 10}, {5, 10}}, 15, nil},
		{"overlap-ooo-both-sides", []span{{10, 10}, {30, 10}, {15, 20}}, 0, []span{{10, 30}}},
		{"gap-then-fill-overlapping", []span{{10, 10}, {30, 10}, {0, 35}}, 40, nil},
		{"covering-ooo", []span{{20, 5}, {30, 5}, {10, 40}}, 0, []span{{10, 40}}},
		{"adjacent-ooo-merge", []span{{10, 10}, {20, 10}}, 0, []span{{10, 20}}},
		{"disjoint-ooo", []span{{10, 5}, {30, 5}, {50, 5}}, 0, []span{{10, 5}, {30, 5}, {50, 5}}},
		{"ooo-duplicate", []span{{10, 10}, {10, 10}, {12, 3}}, 0, []span{{10, 10}}},
		{"fill-first-of-many", []span{{10, 5}, {30, 5}, {0, 12}}, 15, []span{{30, 5}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.SACK = true
			h := newHarness(t, cfg)
			h.establishOpts(Options{MSS: 1000, WScale: -1, SACKPermitted: true}, 65535)
			base := peerISS + 1
			for _, s := range tc.segs {
				h.In(Segment{Seq: base.Add(s.off), Ack: h.iss() + 1, Flags: ACK, Window: 65535, Payload: streamData(s.off, s.n)})
			}
			if got := h.c.rcvNxt.Sub(base); got != tc.wantNxt {
				t.Fatalf("RCV.NXT at %d, want %d", got, tc.wantNxt)
			}
			if h.c.ooo.n != len(tc.wantOOO) {
				t.Fatalf("%d out-of-order ranges %v, want %v", h.c.ooo.n, h.c.ooo.r[:h.c.ooo.n], tc.wantOOO)
			}
			for i, w := range tc.wantOOO {
				r := h.c.ooo.r[i]
				if r.Start.Sub(base) != w.off || r.End.Sub(r.Start) != w.n {
					t.Fatalf("range %d = %d+%d, want %v", i, r.Start.Sub(base), r.End.Sub(r.Start), w)
				}
			}
			buf := make([]byte, 1000)
			n, _ := h.c.Read(buf)
			if !bytes.Equal(buf[:n], streamData(0, tc.wantNxt)) {
				t.Fatalf("read %d bytes, not the stream's first %d", n, tc.wantNxt)
			}
		})
	}
}

func TestReassemblyBoundedByWindow(t *testing.T) {
	cfg := testConfig()
	cfg.RecvBuf, cfg.RecvBufMin = 4096, 4096
	h := newHarness(t, cfg)
	h.establish()
	base := peerISS + 1
	// Data beyond the advertised window is trimmed, never buffered.
	h.In(Segment{Seq: base.Add(4000), Ack: h.iss() + 1, Flags: ACK, Window: 65535, Payload: streamData(4000, 1000)})
	if got := h.c.ooo.end(base).Sub(base); got != 4096 {
		t.Fatalf("out-of-order data reaches %d, want the window's edge 4096", got)
	}
	if len(h.c.rcv.buf) > 4096 {
		t.Fatalf("ring grew to %d beyond the 4096 buffer", len(h.c.rcv.buf))
	}
}

func TestReassemblyRangeLimit(t *testing.T) {
	h := newHarness(t, testConfig())
	h.establish()
	base := peerISS + 1
	for i := 0; i < maxOOO+5; i++ {
		off := 10 + 20*i
		h.In(Segment{Seq: base.Add(off), Ack: h.iss() + 1, Flags: ACK, Window: 65535, Payload: streamData(off, 5)})
	}
	if h.c.ooo.n != maxOOO {
		t.Fatalf("%d ranges, want the bound %d", h.c.ooo.n, maxOOO)
	}
	// Filling everything still yields the exact stream.
	h.In(Segment{Seq: base, Ack: h.iss() + 1, Flags: ACK, Window: 65535, Payload: streamData(0, 2000)})
	buf := make([]byte, 4000)
	n, _ := h.c.Read(buf)
	if !bytes.Equal(buf[:n], streamData(0, 2000)) {
		t.Fatalf("read %d bytes", n)
	}
}

func TestSeqWrapComparisons(t *testing.T) {
	for _, tc := range []struct {
		a, b Seq
		less bool
	}{
		{1, 2, true},
		{0xffffffff, 0, true},
		{0xfffffff0, 0x10, true},
		{0x10, 0xfffffff0, false},
		{5, 5, false},
	} {
		if got := tc.a.LessThan(tc.b); got != tc.less {
			t.Errorf("%d < %d = %v", tc.a, tc.b, got)
		}
		if tc.a != tc.b && tc.b.GreaterThan(tc.a) != tc.less {
			t.Errorf("%d > %d inconsistent", tc.b, tc.a)
		}
	}
	if d := Seq(5).Sub(0xfffffffb); d != 10 {
		t.Fatalf("wrapped distance %d", d)
	}
	if !Seq(2).InWindow(0xfffffffe, 10) || Seq(8).InWindow(0xfffffffe, 10) {
		t.Fatal("InWindow across the wrap")
	}
}

func TestTransferAcrossSequenceWrap(t *testing.T) {
	// The peer's ISN sits just below 2^32: the stream wraps at once.
	h := newHarness(t, testConfig())
	h.c.Connect(h.now)
	h.flush()
	h.Next()
	irs := Seq(0xffffff00)
	h.In(Segment{Seq: irs, Ack: h.iss() + 1, Flags: SYN | ACK, Window: 65535, Options: Options{MSS: 1000, WScale: -1}})
	h.Next()
	for i := 0; i < 3; i++ {
		h.In(Segment{Seq: irs.Add(1 + 200*i), Ack: h.iss() + 1, Flags: ACK, Window: 65535, Payload: streamData(200*i, 200)})
	}
	buf := make([]byte, 1000)
	n, _ := h.c.Read(buf)
	if !bytes.Equal(buf[:n], streamData(0, 600)) || h.c.rcvNxt != irs.Add(601) {
		t.Fatalf("read %d bytes, RCV.NXT %d", n, h.c.rcvNxt)
	}
}
