package tcp

import (
	"testing"
	"time"
)

// RetransmitDue names the loss-recovery timers only once due; Delayed
// moves them by how late the segments left, and nothing else.
func TestRetransmitDueAndDelayed(t *testing.T) {
	cfg := testConfig()
	h := newHarness(t, cfg)
	h.establish()
	if h.c.RetransmitDue(h.now+time.Hour) != 0 {
		t.Fatal("a loss-recovery timer with nothing in flight")
	}
	h.c.Write(data(100))
	h.flush()
	h.Next()
	rto := h.c.rtoAt
	if rto == 0 {
		t.Fatal("no retransmission timer after sending data")
	}
	if d := h.c.RetransmitDue(rto - 1); d != 0 {
		t.Fatalf("due %v before the deadline %v", d, rto)
	}
	if d := h.c.RetransmitDue(rto); d != rto {
		t.Fatalf("RetransmitDue at the deadline = %v, want %v", d, rto)
	}
	h.c.delAckAt = h.now + time.Millisecond // another timer: unmoved
	h.c.Delayed(30 * time.Millisecond)
	if h.c.rtoAt != rto+30*time.Millisecond || h.c.delAckAt != h.now+time.Millisecond {
		t.Fatalf("after Delayed(30ms): rto %v (was %v), delack %v", h.c.rtoAt, rto, h.c.delAckAt)
	}
	h.c.Delayed(-time.Second)
	if h.c.rtoAt != rto+30*time.Millisecond {
		t.Fatal("a negative delay moved the timer")
	}
}
