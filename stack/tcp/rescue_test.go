package tcp

import "testing"

// RFC 6675 §4 NextSeg rule (4): one rescue retransmission per recovery
// of the highest unSACKed segment when a tail loss leaves nothing else
// to send.

// tailLoss sends ten segments of which the first and the last three are
// lost, and delivers the SACKs for segments 2 to 7; with RFC 6675 loss
// detection or RACK the third SACK retransmits segment 1.
func tailLoss(t *testing.T, rack bool) *harness {
	cfg := recoveryConfig()
	cfg.RACK = rack
	cfg.PRR = true // PRR sizes the window after the partial ACK (RFC 6937)
	h := newHarness(t, cfg)
	h.establishSACK()
	h.sendSegs(10)
	h.now += testRTT
	for end := 2000; end <= 7000; end += 1000 {
		h.ackSACK(0, [2]int{1000, end})
		if end == 4000 {
			// The hole goes: RFC 6675 rule (1), DupThresh segments below
			// the SACKs, or RACK (no reordering seen, RFC 8985 §6.2).
			h.outData(0)
		}
		// HighACK has not passed RescueRxt (the first retransmission,
		// §5 step 4.3): no rescue yet.
		h.NoOut()
	}
	return h
}

func TestSACKRescueRetransmission(t *testing.T) {
	h := tailLoss(t, false)
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
	h := tailLoss(t, true)
	h.ackSACK(7000)
	if in := h.c.Info(h.now); in.Rescues != 0 || in.CAState != "recovery" {
		t.Fatalf("rescues %d with RACK (state %s)", in.Rescues, in.CAState)
	}
}
