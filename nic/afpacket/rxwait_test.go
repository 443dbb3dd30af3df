//go:build linux

package afpacket

import (
	"testing"
	"time"
)

// TestRxWait: a frame read 50 ms after it entered the frame ring counts
// as a batch whose oldest frame waited about that long (Stats.RxWait*),
// over 100 us and over 1 ms; the other receive paths measure nothing.
func TestRxWait(t *testing.T) {
	bd := newBed(t, Options{}, Options{})
	before := bd.lb.Stats()
	send(t, bd.la, testFrame(bd.lb.MAC(), bd.la.MAC(), 1, 64))
	time.Sleep(50 * time.Millisecond)
	if got := collect(t, bd.lb, 1, 10*time.Second); len(got) != 1 {
		t.Fatalf("read %d test frames, want 1", len(got))
	}
	st := bd.lb.Stats()
	batches := st.RxWaitBatches - before.RxWaitBatches
	micros := st.RxWaitMicros - before.RxWaitMicros
	over100us := st.RxWaitOver100us - before.RxWaitOver100us
	over1ms := st.RxWaitOver1ms - before.RxWaitOver1ms
	t.Logf("%d batches, %d us in all, %d over 100 us, %d over 1 ms", batches, micros, over100us, over1ms)
	if ringMode || recvmmsgMode {
		if batches != 0 || micros != 0 {
			t.Fatalf("a receive path without the measurement measured %d batches, %d us", batches, micros)
		}
		return
	}
	if batches == 0 {
		t.Fatal("no receive wait measured")
	}
	if micros < 45000 || micros > uint64(batches)*uint64(maxRxWait/time.Microsecond) {
		t.Fatalf("waits sum to %d us over %d batches; the frame waited 50 ms", micros, batches)
	}
	if over1ms == 0 || over100us < over1ms || batches < over100us {
		t.Fatalf("counts out of order: %d batches, %d over 100 us, %d over 1 ms", batches, over100us, over1ms)
	}
}
