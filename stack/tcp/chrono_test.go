package tcp

import (
	"testing"
	"time"
)

// tcp_info's sndbuf_limited time counts only when the send buffer, not
// the window, holds the sender back (Linux's tcp_cwnd_validate): a full
// buffer queued behind a full window is busy time; a small buffer whose
// contents are all in flight below the window is sndbuf-limited time.
func TestInfoSndBufLimitedOnlyWhenWindowIsNot(t *testing.T) {
	for _, tc := range []struct {
		name       string
		buf        int
		wantSndBuf bool
	}{
		{"window-limited, buffer full behind it", 64 << 10, false},
		{"buffer-limited, all of it in flight", 5000, true}, // five full segments: Nagle holds no tail
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
