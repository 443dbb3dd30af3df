package tcp

import "testing"

// F-RTO (RFC 5682 §4) dialogues: a delay spike fires the timer though
// nothing was lost (spurious: undone), and a real tail loss (conventional
// recovery goes on).

func frtoConfig() Config {
	c := recoveryConfig()
	c.FRTO = true
	return c
}

func TestFRTOSpuriousTimeoutIsUndone(t *testing.T) {
	h := newHarness(t, frtoConfig())
	h.establishSACK()
	h.c.Write(data(20000))
	h.flush()
	for i := 0; i < 10; i++ {
		h.outData(1000 * i)
	}
	h.NoOut()
	before := h.c.Info(h.now).Cwnd
	// A delay spike: no ACK before the timer.
	h.AdvanceToDeadline()
	h.outData(0)
	h.NoOut()
	// The original first segment's ACK: step 2, two new segments go
	// instead of retransmissions.
	h.ackSACK(1000)
	h.outData(10000)
	h.outData(11000)
	h.NoOut()
	// The next ACK covers data never retransmitted: spurious.
	h.ackSACK(2000)
	in := h.c.Info(h.now)
	if in.SpuriousRTOs != 1 || in.CAState == "loss" || in.TotalRetrans != 1 || in.Lost != 0 {
		t.Fatalf("after step 3: spurious %d state %s retrans %d lost %d", in.SpuriousRTOs, in.CAState, in.TotalRetrans, in.Lost)
	}
	if in.Cwnd < before {
		t.Fatalf("cwnd %d after undo, %d before the timeout", in.Cwnd, before)
	}
	// The rest arrives: no retransmission of segments 2-9 at any point.
	for off := 3000; off <= 10000; off += 1000 {
		h.ackSACK(off)
		for len(h.out) > 0 {
			if s := h.Next(); s.Seq.LessThan(h.iss() + 1 + 12000) {
				t.Fatalf("retransmission %s after a spurious timeout", fmtSeg(&s))
			}
		}
	}
}

func TestFRTORealLossContinuesRecovery(t *testing.T) {
	h := newHarness(t, frtoConfig())
	h.establishSACK()
	h.sendSegs(5)
	// All five are lost: the timer fires.
	h.AdvanceToDeadline()
	h.outData(0)
	h.ackSACK(1000) // step 2: no new data left to probe with: conventional
	h.outData(1000)
	h.outData(2000)
	h.NoOut()
	if in := h.c.Info(h.now); in.SpuriousRTOs != 0 || in.CAState != "loss" {
		t.Fatalf("spurious %d state %s", in.SpuriousRTOs, in.CAState)
	}
}
