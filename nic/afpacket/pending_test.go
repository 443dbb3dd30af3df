//go:build linux

package afpacket

import (
	"testing"
	"time"
)

// RxPending tells whether a frame waits for ReadBatch: false on an idle
// link, true once a frame has arrived, false again after it was read.
func TestRxPending(t *testing.T) {
	if ringMode {
		t.Skip("Ring mode: RxPending reports false by design")
	}
	bd := newBed(t, Options{}, Options{})
	if bd.lb.RxPending() {
		t.Fatal("pending on an idle link")
	}
	send(t, bd.la, testFrame(bd.lb.MAC(), bd.la.MAC(), 1, 100))
	deadline := time.Now().Add(10 * time.Second)
	for !bd.lb.RxPending() {
		if time.Now().After(deadline) {
			t.Fatal("a frame arrived but RxPending stays false")
		}
		time.Sleep(time.Millisecond)
	}
	if got := collect(t, bd.lb, 1, 10*time.Second); len(got) != 1 {
		t.Fatalf("read %d frames, want 1", len(got))
	}
	if bd.lb.RxPending() {
		t.Fatal("pending after the frame was read")
	}
	bd.lb.Close()
	if bd.lb.RxPending() {
		t.Fatal("pending after Close")
	}
}
