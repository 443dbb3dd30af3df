package tcp

import (
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/stack/tcp/cc"
)

// Packet dialogues for the SACK sender: RFC 6675 recovery, RACK-TLP
// (RFC 8985), PRR (RFC 6937), D-SACK undo (RFC 2883), the timeout with a
// scoreboard, and the trace.

const testRTT = 20 * time.Millisecond

// recoveryConfig is testConfig with SACK on and the mechanisms chosen by the
// caller (all off here).
func recoveryConfig() Config {
	c := testConfig()
	c.SACK = true
	c.DSACK = true
	c.RACK, c.TLP, c.PRR = false, false, false
	return c
}

// establishSACK is the active open with SACK negotiated and a 20 ms
// handshake RTT, so RACK has a minimum RTT to work with.
func (h *harness) establishSACK() {
	h.t.Helper()
	if err := h.c.Connect(h.now); err != nil {
		h.t.Fatal(err)
	}
	h.flush()
	h.Out(Segment{Seq: h.iss(), Flags: SYN})
	h.now += testRTT
	h.In(Segment{Seq: peerISS, Ack: h.iss() + 1, Flags: SYN | ACK, Window: 65535,
		Options: Options{MSS: 1000, WScale: -1, SACKPermitted: true}})
	h.Out(Segment{Seq: h.iss() + 1, Ack: peerISS + 1, Flags: ACK})
	h.NoOut()
	if !h.c.sackOK {
		h.t.Fatal("SACK not negotiated")
	}
}

// sendSegs writes n full segments and expects them all out at once.
func (h *harness) sendSegs(n int) {
	h.t.Helper()
	if _, err := h.c.Write(data(n * 1000)); err != nil {
		h.t.Fatal(err)
	}
	h.flush()
	for i := 0; i < n; i++ {
		h.Next()
	}
	h.NoOut()
}

// ackSACK delivers an ACK of off bytes of our data (relative to ISS+1)
// with SACK blocks given as relative [start, end) pairs.
func (h *harness) ackSACK(off int, blocks ...[2]int) {
	h.t.Helper()
	base := h.iss() + 1
	o := NoOptions
	for i, b := range blocks {
		o.SACK[i] = SACKBlock{base + Seq(b[0]), base + Seq(b[1])}
	}
	o.NumSACK = len(blocks)
	h.In(Segment{Seq: peerISS + 1, Ack: base + Seq(off), Flags: ACK, Window: 65535, Options: o})
}

// outData checks the next segment carries our bytes [off, off+1000).
func (h *harness) outData(off int) {
	h.t.Helper()
	want := data(40000)[off : off+1000]
	h.Out(Segment{Seq: h.iss() + 1 + Seq(off), Ack: peerISS + 1, Flags: ACK, Payload: want})
}

func TestIsDSACK(t *testing.T) {
	blk := func(s, e Seq) SACKBlock { return SACKBlock{s, e} }
	for _, tc := range []struct {
		name   string
		blocks []SACKBlock
		ack    Seq
		want   bool
	}{
		{"below ack", []SACKBlock{blk(100, 200)}, 300, true},
		{"ends at ack", []SACKBlock{blk(100, 300)}, 300, true},
		{"above ack", []SACKBlock{blk(400, 500)}, 300, false},
		{"inside the second block", []SACKBlock{blk(450, 500), blk(400, 600)}, 300, true},
		{"beside the second block", []SACKBlock{blk(700, 800), blk(400, 600)}, 300, false},
		{"none", nil, 300, false},
	} {
		o := NoOptions
		o.NumSACK = copy(o.SACK[:], tc.blocks)
		if got := isDSACK(&o, tc.ack); got != tc.want {
			t.Errorf("%s: %v, want %v (RFC 2883 §4)", tc.name, got, tc.want)
		}
	}
}

// TestSACKRecoveryRetransmitsOnlyTheHole: RFC 6675 without RACK: the
// third SACK above the first segment marks it lost (IsLost, DupThresh
// 3); only it is retransmitted, and the full ACK ends recovery.
func TestSACKRecoveryRetransmitsOnlyTheHole(t *testing.T) {
	h := newHarness(t, recoveryConfig())
	h.establishSACK()
	h.sendSegs(10)
	h.now += testRTT
	h.ackSACK(0, [2]int{1000, 2000})
	h.NoOut()
	h.ackSACK(0, [2]int{1000, 3000})
	h.NoOut()
	if in := h.c.Info(h.now); in.CAState != "disorder" || in.Sacked != 2 {
		t.Fatalf("after two SACKs: %s, sacked %d", in.CAState, in.Sacked)
	}
	h.ackSACK(0, [2]int{1000, 4000})
	h.outData(0) // the hole, and nothing else
	h.NoOut()
	for end := 5000; end <= 10000; end += 1000 {
		h.ackSACK(0, [2]int{1000, end})
		h.NoOut()
	}
	in := h.c.Info(h.now)
	if in.CAState != "recovery" || in.TotalRetrans != 1 || in.Sacked != 9 || in.Retrans != 1 {
		t.Fatalf("in recovery: %s retrans %d sacked %d retrans out %d", in.CAState, in.TotalRetrans, in.Sacked, in.Retrans)
	}
	h.ackSACK(10000)
	h.NoOut()
	if in := h.c.Info(h.now); in.CAState != "open" || in.TotalRetrans != 1 || in.Sacked != 0 || in.Unacked != 0 {
		t.Fatalf("after the full ACK: %+v", in)
	}
}

// TestPRRSendsHalfOfWhatIsDelivered: with NewReno (beta 1/2) PRR sends,
// during recovery, about one segment for every two the receiver reports
// delivered (RFC 6937 §3 proportional part), instead of none and then a
// burst.
func TestPRRSendsHalfOfWhatIsDelivered(t *testing.T) {
	cfg := recoveryConfig()
	cfg.PRR = true
	h := newHarness(t, cfg)
	h.establishSACK()
	h.sendSegs(10)
	h.c.Write(data(40000)[10000:30000]) // more to send during recovery
	h.flush()
	h.NoOut()
	h.now += testRTT
	// Before recovery each SACK lets one new segment out: the pipe went
	// down by one (RFC 6675's pipe makes this RFC 3042's limited
	// transmit).
	h.ackSACK(0, [2]int{1000, 2000})
	h.outData(10000)
	h.ackSACK(0, [2]int{1000, 3000})
	h.outData(11000)
	h.ackSACK(0, [2]int{1000, 4000})
	h.outData(0) // the fast retransmission goes at once
	h.NoOut()
	newSegs := 0
	for end := 5000; end <= 12000; end += 1000 {
		h.ackSACK(0, [2]int{1000, end})
		n := 0
		for len(h.out) > 0 {
			s := h.Next()
			if s.Seq.LessThan(h.iss() + 1 + 12000) {
				t.Fatalf("unexpected retransmission %s", fmtSeg(&s))
			}
			n++
		}
		if n > 1 {
			t.Fatalf("a burst of %d segments for one delivered", n)
		}
		newSegs += n
	}
	// Eight more segments were delivered; ssthresh is half the flight,
	// so PRR lets out about half as many, one per ACK at most.
	if newSegs < 3 || newSegs > 5 {
		t.Fatalf("%d new segments during recovery for 8 delivered, want 3-5 (PRR, RFC 6937)", newSegs)
	}
	if in := h.c.Info(h.now); in.CAState != "recovery" {
		t.Fatalf("state %s", in.CAState)
	}
}

// TestRACKAdaptsToReorderingAfterDSACK: a segment overtaken by three
// others is retransmitted (RACK's window is zero before reordering has
// been seen), the D-SACK that follows undoes the reduction, and the
// next equal reordering is waited out instead of retransmitted
// (RFC 8985 §6.2 step 4).
func TestRACKAdaptsToReorderingAfterDSACK(t *testing.T) {
	cfg := recoveryConfig()
	cfg.RACK, cfg.PRR = true, true
	h := newHarness(t, cfg)
	h.establishSACK()
	h.sendSegs(10)
	before := h.c.Info(h.now).Cwnd
	h.now += testRTT
	h.ackSACK(1000, [2]int{2000, 3000})
	h.ackSACK(1000, [2]int{2000, 4000})
	h.NoOut()
	h.ackSACK(1000, [2]int{2000, 5000})
	h.outData(1000) // judged lost: a spurious retransmission
	h.NoOut()
	h.now += time.Millisecond
	h.ackSACK(5000) // the original arrives after all
	h.ackSACK(10000)
	h.ackSACK(10000, [2]int{1000, 2000}) // D-SACK: the retransmission was a duplicate
	in := h.c.Info(h.now)
	if in.DSACKDups != 1 || in.Undos != 1 || in.ReordSeen == 0 || in.CAState != "open" {
		t.Fatalf("after the D-SACK: dsack %d undos %d reord_seen %d state %s", in.DSACKDups, in.Undos, in.ReordSeen, in.CAState)
	}
	if in.Cwnd < before {
		t.Fatalf("cwnd %d after undo, was %d before the spurious recovery", in.Cwnd, before)
	}

	// The same reordering again: now tolerated for min_RTT/4 * 2.
	h.c.Write(data(40000)[10000:20000])
	h.flush()
	for len(h.out) > 0 {
		h.Next()
	}
	h.now += testRTT
	h.ackSACK(11000, [2]int{12000, 13000})
	h.ackSACK(11000, [2]int{12000, 14000})
	h.ackSACK(11000, [2]int{12000, 15000})
	h.NoOut()
	if d := h.c.NextDeadline(); d == 0 || d > h.now+testRTT {
		t.Fatalf("reordering timer at %v (now %v)", d, h.now)
	}
	h.now += time.Millisecond
	h.ackSACK(15000) // the late segment arrives within the window
	h.ackSACK(20000)
	h.NoOut()
	if in := h.c.Info(h.now); in.TotalRetrans != 1 {
		t.Fatalf("%d retransmissions, want only the first episode's", in.TotalRetrans)
	}
}

// TestRACKTimerMarksLoss: one segment above a hole is SACKed; RACK waits
// a quarter of the minimum RTT (no reordering seen, fewer than DupThresh
// SACKed) and then retransmits the hole from its timer (RFC 8985 §6.3).
func TestRACKTimerMarksLoss(t *testing.T) {
	cfg := recoveryConfig()
	cfg.RACK = true
	h := newHarness(t, cfg)
	h.establishSACK()
	h.sendSegs(3)
	h.now += testRTT
	h.ackSACK(1000, [2]int{2000, 3000})
	h.NoOut()
	at := h.now
	h.AdvanceToDeadline()
	h.outData(1000)
	if w := h.now - at; w != testRTT/4 {
		t.Fatalf("retransmitted after %v, want min_RTT/4 = %v", w, testRTT/4)
	}
}

// TestTLPProbesTheTail: the last segment's ACK does not come; two SRTTs
// later a probe resends it, well before the RTO, and its SACK lets RACK
// find the other loss (RFC 8985 §7).
func TestTLPProbesTheTail(t *testing.T) {
	cfg := recoveryConfig()
	cfg.RACK, cfg.TLP = true, true
	h := newHarness(t, cfg)
	h.establishSACK()
	h.sendSegs(3)
	h.now += testRTT
	h.ackSACK(1000)
	h.NoOut()
	at := h.now
	h.AdvanceToDeadline()
	h.outData(2000) // the probe: the last segment again
	srtt := h.c.Info(h.now).SRTT
	if w := h.now - at; w != 2*srtt+tlpSlack {
		t.Fatalf("probe after %v, want 2*SRTT+slack = %v", w, 2*srtt+tlpSlack)
	}
	h.now += testRTT
	// The probe's SACK: the middle segment was sent well over an RTT
	// before the probe, which has been delivered: RACK marks it lost now.
	h.ackSACK(1000, [2]int{2000, 3000})
	h.outData(1000)
	h.NoOut()
	h.now += testRTT
	h.ackSACK(3000)
	in := h.c.Info(h.now)
	if in.RTORetrans != 0 || in.TLPProbes != 1 || in.TotalRetrans != 2 {
		t.Fatalf("rto %d probes %d retrans %d", in.RTORetrans, in.TLPProbes, in.TotalRetrans)
	}
}

// TestSACKTimeoutSkipsSackedSegments: after a timeout the un-SACKed
// segments are resent in order as the window grows again, the SACKed one
// never (RFC 6675 §5.1).
func TestSACKTimeoutSkipsSackedSegments(t *testing.T) {
	h := newHarness(t, recoveryConfig())
	h.establishSACK()
	h.sendSegs(5)
	h.now += testRTT
	h.ackSACK(0, [2]int{4000, 5000})
	h.NoOut()
	h.AdvanceToDeadline() // the RTO
	h.outData(0)
	h.NoOut()
	if in := h.c.Info(h.now); in.CAState != "loss" || in.Lost != 3 {
		t.Fatalf("after the RTO: %s lost %d", in.CAState, in.Lost)
	}
	h.now += testRTT
	h.ackSACK(1000, [2]int{4000, 5000})
	h.outData(1000) // slow start: two now
	h.outData(2000)
	h.NoOut()
	h.now += testRTT
	h.ackSACK(3000, [2]int{4000, 5000})
	h.outData(3000)
	h.NoOut() // not [4000, 5000): the receiver has it
	h.ackSACK(5000)
	if in := h.c.Info(h.now); in.TotalRetrans != 4 || in.CAState != "open" {
		t.Fatalf("retrans %d state %s", in.TotalRetrans, in.CAState)
	}
}

// TestTraceRecordsRecovery: the trace holds the ACKs and the recovery's
// events, oldest first, within its bound.
func TestTraceRecordsRecovery(t *testing.T) {
	cfg := recoveryConfig()
	cfg.TracePoints = 8
	h := newHarness(t, cfg)
	h.establishSACK()
	h.sendSegs(10)
	h.now += testRTT
	for end := 2000; end <= 4000; end += 1000 {
		h.ackSACK(0, [2]int{1000, end})
	}
	h.outData(0)
	h.ackSACK(10000)
	tr := h.c.Trace(nil)
	if len(tr) != 6 {
		t.Fatalf("%d points, want 3 SACKs + recovery + full ACK + exit: %+v", len(tr), tr)
	}
	var evs []cc.Event
	for i, p := range tr {
		if i > 0 && p.At < tr[i-1].At {
			t.Fatalf("not in time order: %+v", tr)
		}
		if p.Cwnd <= 0 {
			t.Fatalf("point without cwnd: %+v", p)
		}
		if p.Event != cc.EventInvalid {
			evs = append(evs, p.Event)
		}
	}
	if len(evs) != 2 || evs[0] != cc.EventFastRecovery || evs[1] != cc.EventRecoveryExit {
		t.Fatalf("events %v", evs)
	}
	// The ring keeps the newest points only.
	for i := 0; i < 20; i++ {
		h.c.Write(data(1000))
		h.flush()
		h.Next()
		h.now += testRTT
		h.ackSACK(11000 + 1000*i)
	}
	if tr = h.c.Trace(tr[:0]); len(tr) != cfg.TracePoints {
		t.Fatalf("ring holds %d, bound %d", len(tr), cfg.TracePoints)
	}
	off := newHarness(t, recoveryConfig())
	if got := off.c.Trace(nil); got != nil {
		t.Fatalf("trace without TracePoints: %v", got)
	}
}
