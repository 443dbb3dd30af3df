package tcp

import (
	"fmt"
	"hash/crc32"
	"testing"
	"time"
)

// TestSendRunSameWire: a connection that emits runs of full segments
// (SetSendRun) puts on the wire exactly the segments, in the same order
// and with the same headers, that it puts there one segment at a time,
// and ends in the same state, through loss, reordering, recovery and the
// close. Both sides send; every run the pipe receives is cut into
// segments, as the glue cuts it.
func TestSendRunSameWire(t *testing.T) {
	type scenario struct {
		name   string
		loss   float64
		seed   uint64
		jitter time.Duration
		opts   bool // SACK, timestamps, window scaling (DefaultConfig)
		nb     int  // bytes b sends back
	}
	cases := []scenario{
		{"clean", 0, 1, 0, true, 256 << 10},
		{"1pct-jitter", 0.01, 7, 2 * time.Millisecond, true, 256 << 10},
		{"5pct-jitter", 0.05, 8, 2 * time.Millisecond, true, 256 << 10},
		{"2pct-plain", 0.02, 9, 0, false, 256 << 10},
	}
	// Reordering makes spurious retransmissions, and so D-SACK blocks,
	// while both sides send runs (seed 12 has one that only the first
	// segment of a run may carry).
	for seed := uint64(11); seed <= 18; seed++ {
		cases = append(cases, scenario{fmt.Sprintf("reorder-both-ways-%d", seed), 0.005, seed, 20 * time.Millisecond, true, 1 << 20})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			type result struct {
				wire   []string
				runs   int
				ia, ib string
			}
			run := func(sendRun int) result {
				cfg := DefaultConfig()
				if !tc.opts {
					cfg = testConfig()
				}
				p := newPipe(t, cfg, cfg, tc.seed, tc.loss)
				p.jitter = tc.jitter
				p.sendRun = sendRun
				p.a.SetSendRun(sendRun)
				var r result
				p.onWire = func(toB bool, s *Segment) {
					dir := "b->a"
					if toB {
						dir = "a->b"
					}
					r.wire = append(r.wire, fmt.Sprintf("%v %s %s ecn=%d crc=%08x", p.now, dir, fmtSeg(s), s.ECN, crc32.ChecksumIEEE(s.Payload)))
				}
				p.transfer(1<<20, tc.nb, 60*time.Minute)
				r.runs = p.runs
				r.ia, r.ib = fmt.Sprintf("%+v", p.a.Info(p.now)), fmt.Sprintf("%+v", p.b.Info(p.now))
				return r
			}
			one, runs := run(0), run(64<<10)
			if one.runs != 0 || runs.runs == 0 {
				t.Fatalf("runs emitted: %d without SetSendRun, %d with it", one.runs, runs.runs)
			}
			for i := 0; i < min(len(one.wire), len(runs.wire)); i++ {
				if one.wire[i] != runs.wire[i] {
					t.Fatalf("segment %d differs:\n one by one: %s\n in runs:    %s", i, one.wire[i], runs.wire[i])
				}
			}
			if len(one.wire) != len(runs.wire) {
				t.Fatalf("%d segments one by one, %d in runs", len(one.wire), len(runs.wire))
			}
			if one.ia != runs.ia || one.ib != runs.ib {
				t.Fatalf("end state differs:\n one by one: %s\n %s\n in runs:    %s\n %s", one.ia, one.ib, runs.ia, runs.ib)
			}
			t.Logf("%d segments, %d runs", len(one.wire), runs.runs)
		})
	}
}
