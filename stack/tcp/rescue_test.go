package tcp

import "testing"

// RFC 6675 §4 NextSeg rule (4): one rescue retransmission per recovery
// of the highest unSACKed segment when a tail loss leaves nothing else
// to send.
func TestSACKRescueRetransmission(t *testing.T) {
	cfg := recoveryConfig() // RFC 6675 recovery: RACK and TLP off
	cfg.PRR = true          // PRR sizes the window after the partial ACK (RFC 6937)
	h := newHarness(t, cfg)
	h.establishSACK()
	h.sendSegs(10)
	h.now += testRTT
	// Segment 1 lost, 2 to 7 arrive, 8 to 10 (the tail) lost.
	h.ackSACK(0, [2]int{1000, 2000})
	h.ackSACK(0, [2]int{1000, 3000})
	h.NoOut()
	h.ackSACK(0, [2]int{1000, 4000})
	h.outData(0) // rule (1): the hole, DupThresh segments below the SACKs
	for end := 5000; end <= 7000; end += 1000 {
		h.ackSACK(0, [2]int{1000, end})
		// HighACK has not passed RescueRxt (the first retransmission,
		// §5 step 4.3): no rescue yet.
		h.NoOut()
	}
	// The retransmission arrives: a partial ACK up to segment 8. Nothing
	// is marked lost, nothing new is queued, no hole lies below a SACK:
	// rule (4) resends segment 10, the highest unSACKed.
	h.ackSACK(7000)
	h.outData(9000)
	h.NoOut()
	in := h.c.Info(h.now)
	if in.Rescues != 1 || in.CAState != "recovery" {
		t.Fatalf("rescues %d, state %s", in.Rescues, in.CAState)
	}
	// Once per recovery: further ACKs bring no second rescue.
	h.ackSACK(7000, [2]int{9000, 10000})
	h.ackSACK(8000, [2]int{9000, 10000})
	for len(h.out) > 0 {
		if s := h.Next(); s.Seq == h.iss()+1+9000 {
			t.Fatalf("second rescue %s", fmtSeg(&s))
		}
	}
	if in := h.c.Info(h.now); in.Rescues != 1 {
		t.Fatalf("rescues %d after more ACKs", in.Rescues)
	}
}

// With RACK the tail loss probe does this job (RFC 8985 §7): no rescue.
func TestSACKNoRescueWithRACK(t *testing.T) {
	cfg := recoveryConfig()
	cfg.RACK, cfg.PRR = true, true
	h := newHarness(t, cfg)
	h.establishSACK()
	h.sendSegs(10)
	h.now += testRTT
	for end := 2000; end <= 7000; end += 1000 {
		h.ackSACK(0, [2]int{1000, end})
	}
	h.ackSACK(7000)
	if in := h.c.Info(h.now); in.Rescues != 0 || in.CAState != "recovery" {
		t.Fatalf("rescues %d with RACK (state %s)", in.Rescues, in.CAState)
	}
}
