package svc

import (
	"testing"
	"time"
)

// On a manual clock: a burst, then the refill rate.
func TestBucket(t *testing.T) {
	b := &Bucket{Rate: 10, Burst: 3}
	now := time.Unix(1000, 0)
	n := 0
	for i := 0; i < 10; i++ {
		if b.Allow(now) {
			n++
		}
	}
	if n != 3 {
		t.Fatalf("burst allowed %d, want 3", n)
	}
	now = now.Add(500 * time.Millisecond) // 5 tokens, capped at 3
	n = 0
	for i := 0; i < 10; i++ {
		if b.Allow(now) {
			n++
		}
	}
	if n != 3 {
		t.Fatalf("after 0.5 s allowed %d, want 3", n)
	}
	now = now.Add(100 * time.Millisecond)
	if !b.Allow(now) || b.Allow(now) {
		t.Fatal("after 0.1 s want exactly one")
	}
	var unlimited *Bucket
	if !unlimited.Allow(now) || !(&Bucket{}).Allow(now) {
		t.Fatal("no rate must allow")
	}
}
