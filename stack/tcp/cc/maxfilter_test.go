package cc

import "testing"

// The filter returns the maximum of the samples within the window, checked
// against a brute-force maximum over random series.
func TestMaxFilterWindow(t *testing.T) {
	const win = 10
	rng := uint64(12345)
	next := func() uint64 {
		rng ^= rng << 13
		rng ^= rng >> 7
		rng ^= rng << 17
		return rng
	}
	for trial := 0; trial < 50; trial++ {
		var f maxFilter
		var hist []filterSample
		for tm := uint64(1); tm < 300; tm++ {
			// Mostly decreasing values stress the ageing.
			v := next()%1000 + 1000*uint64(300-tm)/300
			got := f.update(win, tm, v)
			hist = append(hist, filterSample{tm, v})
			var want uint64
			for _, h := range hist {
				if tm-h.t <= win && h.v > want {
					want = h.v
				}
			}
			// Three samples approximate the window: the result is never
			// above the true windowed max (nothing older leaks through)
			// and never below the max of the most recent quarter window.
			var recent uint64
			for _, h := range hist {
				if tm-h.t <= win/4 && h.v > recent {
					recent = h.v
				}
			}
			if got < recent || got > want {
				t.Fatalf("trial %d t=%d: got %d, recent max %d, window max %d", trial, tm, got, recent, want)
			}
		}
	}
}

// A single high sample expires after the window.
func TestMaxFilterExpiry(t *testing.T) {
	var f maxFilter
	f.update(10, 1, 1000)
	for tm := uint64(2); tm <= 11; tm++ {
		if got := f.update(10, tm, 100); got != 1000 {
			t.Fatalf("t=%d: %d, want 1000 within the window", tm, got)
		}
	}
	if got := f.update(10, 12, 100); got != 100 {
		t.Fatalf("t=12: %d, want 100 after expiry", got)
	}
}
