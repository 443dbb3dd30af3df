package tcp

import (
	"testing"
	"time"
)

// tcp_info's sndbuf_limited time counts only when the send buffer, not
// the window, holds the sender back (Linux's tcp_cwnd_validate): a full
// buffer queued behind a full window is busy time; a small buffer whose
// contents are in flight below the window (but for a tail Nagle holds)
// is sndbuf-limited time.
func TestInfoSndBufLimitedOnlyWhenWindowIsNot(t *testing.T) {
	for _, tc := range []struct {
		name       string
		buf        int
		wantSndBuf bool
	}{
		{"window-limited, buffer full behind it", 64 << 10, false},
		{"buffer-limited, all of it in flight", 5000, true}, // five full segments
		{"buffer-limited, Nagle holding the tail", 4096, true},
	} {
		h := newHarness(t, testConfig())
		h.establish()
		h.c.SetSendBuffer(tc.buf)
		h.c.Write(data(100000))
		h.flush()
		h.now += 500 * time.Millisecond // below the initial RTO: nothing happens
		in := h.c.Info(h.now)
		if in.BusyTime != 500*time.Millisecond {
			t.Fatalf("%s: busy %v, want 500ms", tc.name, in.BusyTime)
		}
		if got := in.SndBufLimited == in.BusyTime; got != tc.wantSndBuf || (!got && in.SndBufLimited != 0) {
			t.Fatalf("%s: sndbuf-limited %v of busy %v (cwnd %d, CwndLimited %v)",
				tc.name, in.SndBufLimited, in.BusyTime, in.Cwnd, in.CwndLimited)
		}
	}
}

// Over the pipe, a fixed 16 KiB send buffer is the limit most of the
// time; the default autotuned one, which keeps data queued behind the
// window, is not (it was counted so, 220 ms of 550 ms, before the window
// was consulted).
func TestInfoSndBufLimitedPipe(t *testing.T) {
	for _, tc := range []struct {
		name      string
		fixed     int     // fixed send buffer; 0: the default, autotuned
		wantAbove float64 // sndbuf-limited fraction of busy time, at least
		wantBelow float64 // and at most
	}{
		{"fixed 16 KiB", 16384, 0.5, 1},
		{"autotuned", 0, 0, 0.05},
	} {
		a := DefaultConfig()
		if tc.fixed > 0 {
			a.SendBufMin, a.SendBuf, a.SendBufMax = 4096, tc.fixed, tc.fixed
		}
		p := newPipe(t, a, DefaultConfig(), 1, 0)
		p.bulkTime(4 << 20)
		in := p.a.Info(p.now)
		f := in.SndBufLimited.Seconds() / in.BusyTime.Seconds()
		t.Logf("%s: sndbuf-limited %v of busy %v", tc.name, in.SndBufLimited, in.BusyTime)
		if f < tc.wantAbove || f > tc.wantBelow {
			t.Fatalf("%s: sndbuf-limited %v of busy %v, want a fraction in [%v, %v]",
				tc.name, in.SndBufLimited, in.BusyTime, tc.wantAbove, tc.wantBelow)
		}
	}
}
