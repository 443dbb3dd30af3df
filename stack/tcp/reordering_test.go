package tcp

import "testing"

// Config.Reordering (Linux tcp_reordering): the initial DupThresh of
// loss detection without RACK, with SACK (RFC 6675 IsLost) and without
// (RFC 5681 §3.2 duplicate ACKs).

func TestReorderingDupThreshWithSACK(t *testing.T) {
	for _, th := range []int{3, 5} {
		cfg := recoveryConfig() // RACK off
		cfg.Reordering = th
		h := newHarness(t, cfg)
		h.establishSACK()
		if got := h.c.Info(h.now).Reordering; got != th {
			t.Fatalf("Info.Reordering %d, want %d", got, th)
		}
		h.sendSegs(10)
		h.now += testRTT
		// Segment 1 missing; 2, 3, ... SACKed one ACK at a time. IsLost
		// (RFC 6675 §4) holds once DupThresh segments lie above it.
		for n := 1; n < th; n++ {
			h.ackSACK(0, [2]int{1000, 1000 + 1000*n})
			h.NoOut()
		}
		h.ackSACK(0, [2]int{1000, 1000 + 1000*th})
		h.outData(0)
		if in := h.c.Info(h.now); in.CAState != "recovery" || in.FastRetrans != 1 {
			t.Fatalf("reordering %d: %s, fast retransmits %d", th, in.CAState, in.FastRetrans)
		}
	}
}

func TestReorderingDupThreshWithoutSACK(t *testing.T) {
	for _, th := range []int{3, 5} {
		cfg := testConfig()
		cfg.Reordering = th
		h := newHarness(t, cfg)
		h.establish()
		h.sendSegs(8)
		dup := Segment{Seq: peerISS + 1, Ack: h.iss() + 1001, Flags: ACK, Window: 65535}
		h.In(dup) // the ACK of the first segment
		for n := 1; n < th; n++ {
			h.In(dup)
			h.NoOut()
		}
		h.In(dup) // the th-th duplicate
		h.outData(1000)
	}
}

// Reordering seen raises DupThresh to the distance a late segment was
// overtaken by (Linux tcp_check_sack_reordering), never lowers it, and
// stops at maxReordering (Linux tcp_max_reordering).
func TestReorderingRaisedBySACKAndBounded(t *testing.T) {
	for _, tc := range []struct{ start, want int }{
		{3, 4}, // segment 1 arrives after segments 3 and 4: four segments late
		{5, 5},
	} {
		cfg := recoveryConfig()
		cfg.Reordering = tc.start
		h := newHarness(t, cfg)
		h.establishSACK()
		h.sendSegs(6)
		h.ackSACK(0, [2]int{2000, 4000}) // below any DupThresh: nothing lost
		h.NoOut()
		h.ackSACK(4000) // segments 1 and 2, never retransmitted
		in := h.c.Info(h.now)
		if in.Reordering != tc.want || in.ReordSeen != 1 || in.TotalRetrans != 0 {
			t.Fatalf("start %d: reordering %d (want %d), reord_seen %d, retransmits %d",
				tc.start, in.Reordering, tc.want, in.ReordSeen, in.TotalRetrans)
		}
	}
	var b scoreboard
	b.dupThresh = maxReordering - 1
	b.raiseThresh(10 * maxReordering)
	if b.thresh() != maxReordering {
		t.Fatalf("raised to %d, beyond %d", b.thresh(), maxReordering)
	}
}
