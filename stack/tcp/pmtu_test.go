package tcp

import "testing"

// pmtuHarness is an established connection (MSS 1000, SACK as asked)
// with 3000 bytes sent in three segments and not acknowledged.
func pmtuHarness(t *testing.T, sack bool) *harness {
	cfg := testConfig()
	cfg.SACK = sack
	h := newHarness(t, cfg)
	if err := h.c.Connect(h.now); err != nil {
		t.Fatal(err)
	}
	h.flush()
	h.Out(Segment{Seq: h.iss(), Flags: SYN})
	h.In(Segment{Seq: peerISS, Ack: h.iss() + 1, Flags: SYN | ACK, Window: 65535, Options: Options{MSS: 1000, WScale: -1, SACKPermitted: sack}})
	h.Out(Segment{Seq: h.iss() + 1, Ack: peerISS + 1, Flags: ACK})
	if _, err := h.c.Write(data(3000)); err != nil {
		t.Fatal(err)
	}
	h.flush()
	for i := 0; i < 3; i++ {
		if s := h.Next(); len(s.Payload) != 1000 {
			t.Fatalf("segment %d: %d bytes, want 1000", i, len(s.Payload))
		}
	}
	h.NoOut()
	return h
}

// A fragmentation-needed message about a segment in flight lowers the
// segment size and resends everything unacknowledged at the new size at
// once, cwnd and ssthresh untouched (RFC 1191 §6.5, not congestion).
func TestPathMTUResendsSmaller(t *testing.T) {
	for _, sack := range []bool{false, true} {
		h := pmtuHarness(t, sack)
		before := h.c.Info(h.now)
		if !h.c.PathMTU(h.now, 600, h.iss()+1001) {
			t.Fatalf("sack %v: PathMTU(600) for the second segment not applied", sack)
		}
		h.flush()
		next := h.iss() + 1
		for len(h.out) > 0 {
			s := h.Next()
			if s.Seq != next || len(s.Payload) == 0 || len(s.Payload) > 560 {
				t.Fatalf("sack %v: resent %s, want data at %d of at most 560 bytes", sack, fmtSeg(&s), next)
			}
			next = s.Seq.Add(len(s.Payload))
		}
		if next != h.iss()+3001 {
			t.Fatalf("sack %v: resent up to %d, want %d", sack, next, h.iss()+3001)
		}
		after := h.c.Info(h.now)
		if after.SndMSS != 560 || after.PMTU != 600 {
			t.Fatalf("sack %v: SndMSS %d PMTU %d, want 560 and 600", sack, after.SndMSS, after.PMTU)
		}
		if after.Cwnd != before.Cwnd || after.Ssthresh != before.Ssthresh || after.RTORetrans != 0 || after.FastRetrans != 0 {
			t.Fatalf("sack %v: cwnd %d->%d ssthresh %d->%d rto %d fast %d: treated as congestion", sack,
				before.Cwnd, after.Cwnd, before.Ssthresh, after.Ssthresh, after.RTORetrans, after.FastRetrans)
		}
		// New data after the ACK goes in segments of the new size.
		h.In(Segment{Seq: peerISS + 1, Ack: h.iss() + 3001, Flags: ACK, Window: 65535})
		h.out = nil
		h.c.Write(data(1200))
		h.flush()
		if s := h.Next(); len(s.Payload) != 560 {
			t.Fatalf("sack %v: new data in %d-byte segments, want 560", sack, len(s.Payload))
		}
	}
}

// RFC 5927 §4.1: only a message quoting data in flight counts; a larger
// MTU never raises the segment size; the floor is MinPathMTU.
func TestPathMTUValidation(t *testing.T) {
	h := pmtuHarness(t, true)
	for _, c := range []struct {
		name   string
		mtu    int
		quoted Seq
	}{
		{"acknowledged sequence (the SYN)", 600, h.iss()},
		{"beyond what was sent", 600, h.iss() + 3001},
		{"far away", 600, h.iss() + 1<<30},
		{"a larger MTU", 1500, h.iss() + 1},
		{"the current MTU", 1040, h.iss() + 1},
	} {
		if h.c.PathMTU(h.now, c.mtu, c.quoted) {
			t.Errorf("%s: applied", c.name)
		}
	}
	h.flush()
	h.NoOut()
	if !h.c.PathMTU(h.now, 68, h.iss()+2001) {
		t.Fatal("MTU 68 for the last segment not applied")
	}
	if i := h.c.Info(h.now); i.SndMSS != MinPathMTU-40 || i.PMTU != MinPathMTU {
		t.Fatalf("SndMSS %d PMTU %d, want the floor %d and %d", i.SndMSS, i.PMTU, MinPathMTU-40, MinPathMTU)
	}
}

// splitLost cuts only unSACKed records longer than the size, and keeps
// the queue unchanged at the record limit.
func TestTxQueueSplitLost(t *testing.T) {
	var q txQueue
	q.q = make([]txSeg, 4)
	add := func(start, end Seq, sacked bool) {
		*q.at(q.n) = txSeg{start: start, end: end, sacked: sacked}
		q.n++
	}
	add(100, 300, false) // split into 100-180, 180-260, 260-300
	add(300, 350, false) // short: kept
	add(350, 550, true)  // SACKed: kept
	if !q.splitLost(80) {
		t.Fatal("nothing split")
	}
	want := []txSeg{{start: 100, end: 180, lost: true}, {start: 180, end: 260, lost: true}, {start: 260, end: 300, lost: true},
		{start: 300, end: 350}, {start: 350, end: 550, sacked: true}}
	if q.n != len(want) {
		t.Fatalf("%d records, want %d", q.n, len(want))
	}
	for i, w := range want {
		if g := *q.at(i); g != w {
			t.Errorf("record %d: %+v, want %+v", i, g, w)
		}
	}
	if q.splitLost(80) {
		t.Error("split again with nothing too long")
	}
	q.n = 0
	add(0, Seq(80*maxTxRecords+1), false)
	if q.splitLost(80) || q.n != 1 {
		t.Errorf("split past the record limit: %d records", q.n)
	}
}
