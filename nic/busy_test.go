package nic

import (
	"testing"
	"time"
)

// BusyPoll returns try's answer as soon as try is done, and false once
// the time runs out, not before.
func TestBusyPoll(t *testing.T) {
	calls := 0
	if !BusyPoll(time.Second, func() (bool, bool) { calls++; return calls == 3, calls == 3 }) || calls != 3 {
		t.Fatalf("done on the third try: %d calls", calls)
	}
	if BusyPoll(time.Second, func() (bool, bool) { return false, true }) {
		t.Fatal("done with ok false: returned true")
	}
	start := time.Now()
	if BusyPoll(5*time.Millisecond, func() (bool, bool) { return true, false }) {
		t.Fatal("never done: returned true")
	}
	if took := time.Since(start); took < 5*time.Millisecond {
		t.Fatalf("gave up after %v, before 5ms", took)
	}
}
