package stack

import (
	"math/rand/v2"
	"testing"
	"time"
)

func closedWithin(ch <-chan struct{}, d time.Duration) bool {
	if d == 0 {
		select {
		case <-ch:
			return true
		default:
			return false
		}
	}
	select {
	case <-ch:
		return true
	case <-time.After(d):
		return false
	}
}

func TestTCPDeadlinePastExpiresAtOnce(t *testing.T) {
	var d tcpDeadline
	if closedWithin(d.done(), 0) {
		t.Fatal("zero deadline expired")
	}
	d.set(time.Now().Add(-time.Second))
	if !closedWithin(d.done(), 0) {
		t.Fatal("past deadline not expired")
	}
	// Clearing starts a new period that never expires.
	d.set(time.Time{})
	if closedWithin(d.done(), 10*time.Millisecond) {
		t.Fatal("cleared deadline expired")
	}
}

func TestTCPDeadlineFutureFiresAndMoves(t *testing.T) {
	var d tcpDeadline
	d.set(time.Now().Add(time.Hour))
	ch := d.done()
	// Moving the deadline into the past wakes a waiter on the old channel.
	d.set(time.Now().Add(-time.Millisecond))
	if !closedWithin(ch, time.Second) {
		t.Fatal("moved deadline did not wake waiter")
	}
	d.set(time.Now().Add(20 * time.Millisecond))
	if !closedWithin(d.done(), 10*time.Second) {
		t.Fatal("future deadline never fired")
	}
	d.stop()
}

func TestTCPSignalCoalesces(t *testing.T) {
	s := newTCPSignal()
	s.poke()
	s.poke() // must not block
	<-s
	select {
	case <-s:
		t.Fatal("two pokes gave two wakeups")
	default:
	}
}

func TestPickEphemeralPort(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	used := map[uint16]bool{}
	for i := 0; i < 1000; i++ {
		p, err := pickEphemeralPort(rng, func(p uint16) bool { return used[p] })
		if err != nil {
			t.Fatal(err)
		}
		if p < ephemeralFirst || p > ephemeralLast || used[p] {
			t.Fatalf("port %d out of range or reused", p)
		}
		used[p] = true
	}
	// A full range fails with a clear error.
	if _, err := pickEphemeralPort(rng, func(uint16) bool { return true }); err != errNoEphemeralPort {
		t.Fatalf("full range: err %v", err)
	}
}
