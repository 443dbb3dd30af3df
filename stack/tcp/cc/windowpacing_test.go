package cc

import (
	"testing"
	"time"
)

// Linux's tcp_update_pacing_rate: cwnd (or what is in flight, if more)
// per SRTT, x2 below half of ssthresh, x1.2 from there; nothing before
// an RTT sample.
func TestWindowPacingRate(t *testing.T) {
	for _, tc := range []struct {
		name               string
		cwnd, ssth, flight int
		srtt               time.Duration
		want               uint64
	}{
		{"no RTT yet", 14600, InitialSsthresh, 0, 0, 0},
		{"slow start", 14600, InitialSsthresh, 0, 20 * time.Millisecond, 1460000},
		{"just below ssthresh/2", 49999, 100000, 0, 10 * time.Millisecond, 9999800},
		{"congestion avoidance", 100000, 100000, 0, 10 * time.Millisecond, 12000000},
		{"past half of ssthresh", 60000, 100000, 0, 10 * time.Millisecond, 7200000},
		{"in flight above cwnd", 10000, 10000, 20000, 10 * time.Millisecond, 2400000},
	} {
		s := &Sender{MSS: 1460, Cwnd: tc.cwnd, Ssthresh: tc.ssth, InFlight: tc.flight, SRTT: tc.srtt}
		if got := WindowPacingRate(s); got < tc.want*999/1000 || got > tc.want*1001/1000 {
			t.Errorf("%s: %d B/s, want %d", tc.name, got, tc.want)
		}
	}
}

// tcp_tso_autosize: about 1 ms of data, at least 2 segments, at most 64 KiB.
func TestPacingQuantum(t *testing.T) {
	for _, tc := range []struct {
		rate uint64
		want int
	}{
		{0, 2920},
		{1e6, 2920},           // 1000 bytes a millisecond: two segments
		{6250000, 6250},       // 50 Mbit/s
		{125000000, 64 << 10}, // 1 Gbit/s: the GSO limit
	} {
		if got := PacingQuantum(tc.rate, 1460); got != tc.want {
			t.Errorf("rate %d: quantum %d, want %d", tc.rate, got, tc.want)
		}
	}
}
