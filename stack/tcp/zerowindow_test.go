package tcp

import "testing"

// Issue 3: at 0% loss a receiver whose application reads promptly showed
// Win=0 early in a transfer: the sender's burst filled the whole initial
// buffer inside one receive batch, before the application could read,
// and autotuning waited a full RTT to grow it.

// fillWindow has the peer send in-order segments up to the right edge
// we advertised, batch after batch (one Output per batch), reading
// nothing, for up to batches batches or until a window closes. It
// returns every segment we emitted.
func (h *harness) fillWindow(rcvNxt Seq, batches int) []Segment {
	h.t.Helper()
	h.out = nil
	var all []Segment
	for range batches {
		for {
			n := min(1000, h.c.rcvAdvEdge.Sub(rcvNxt))
			if n <= 0 {
				break
			}
			h.c.Input(h.now, &Segment{SrcPort: remoteAP.Port(), DstPort: localAP.Port(), Seq: rcvNxt, Ack: h.iss() + 1,
				Flags: ACK, Window: 65535, Options: NoOptions, Payload: data(n)})
			rcvNxt += Seq(n)
		}
		h.flush() // the batch's one Output
		all = append(all, h.out...)
		if len(h.out) == 0 || h.out[len(h.out)-1].Window == 0 {
			break
		}
		h.out = nil
	}
	h.out = nil
	return all
}

// sendRead has the peer send n bytes in 1000-byte segments and the
// application read them all.
func (h *harness) sendRead(rcvNxt Seq, n int) Seq {
	h.t.Helper()
	for n > 0 {
		k := min(n, 1000)
		h.In(Segment{Seq: rcvNxt, Ack: h.iss() + 1, Flags: ACK, Window: 65535, Payload: data(k)})
		rcvNxt += Seq(k)
		n -= k
	}
	buf := make([]byte, 64<<10)
	for h.c.Readable() {
		if m, _ := h.c.Read(buf); m == 0 {
			break
		}
	}
	h.flush()
	h.out = nil
	return rcvNxt
}

func autotuneConfig() Config {
	cfg := recoveryConfig()
	cfg.Autotune = true
	cfg.RecvBuf, cfg.RecvBufMin, cfg.RecvBufMax = 32<<10, 4<<10, 256<<10
	return cfg
}

// TestWindowStaysOpenForPromptReader: the application read more than the
// last estimate (12000 > 10 MSS) within the RTT, then a burst fills the
// window before it can read again: the batch's ACK must not close the
// window (autotuning grows the buffer now rather than one RTT later).
func TestWindowStaysOpenForPromptReader(t *testing.T) {
	h := newHarness(t, autotuneConfig())
	h.establishSACK()
	nxt := h.sendRead(peerISS+1, 8000) // the first read sets the RTT period
	nxt = h.sendRead(nxt, 12000)       // same instant: more than the estimate
	out := h.fillWindow(nxt, 4)
	if len(out) == 0 {
		t.Fatal("no ACK for the burst")
	}
	for _, s := range out {
		if s.Window == 0 {
			t.Fatalf("zero window %s for a reader that keeps up (buffer %d)", fmtSeg(&s), h.c.rcv.limit)
		}
	}
	if h.c.rcv.limit <= 32<<10 || h.c.rcv.limit > 256<<10 {
		t.Fatalf("buffer %d, want grown within (32 KiB, 256 KiB]", h.c.rcv.limit)
	}
}

// TestWindowStaysOpenForDrainingReader: early in a connection, with the
// estimate still the initial 10 MSS, the application emptied the buffer
// (it waits in Read) just before a burst fills it: the window stays open.
func TestWindowStaysOpenForDrainingReader(t *testing.T) {
	h := newHarness(t, autotuneConfig())
	h.establishSACK()
	nxt := h.sendRead(peerISS+1, 8000) // less than the estimate, but drained
	out := h.fillWindow(nxt, 2)
	for _, s := range out {
		if s.Window == 0 {
			t.Fatalf("zero window %s for a reader waiting for data (buffer %d)", fmtSeg(&s), h.c.rcv.limit)
		}
	}
	if h.c.rcv.limit != 64<<10 {
		t.Fatalf("buffer %d, want doubled once to 64 KiB", h.c.rcv.limit)
	}
	// Still no read: the next burst closes the window; no second doubling.
	out = h.fillWindow(h.c.rcvNxt, 4)
	if len(out) == 0 || out[len(out)-1].Window != 0 || h.c.rcv.limit != 64<<10 {
		t.Fatalf("after a second burst without a read: %d segments, buffer %d; want a zero window at 64 KiB", len(out), h.c.rcv.limit)
	}
}

// TestWindowClosesForSlowReader: flow control still closes the window
// when the application has not read for two RTTs (and never more than
// the estimate), once the initial buffer's one doubling is spent.
func TestWindowClosesForSlowReader(t *testing.T) {
	h := newHarness(t, autotuneConfig())
	h.establishSACK()
	nxt := h.sendRead(peerISS+1, 8000)
	h.now += 2 * testRTT // no read for two RTTs
	out := h.fillWindow(nxt, 4)
	if len(out) == 0 || out[len(out)-1].Window != 0 {
		t.Fatalf("want the burst's last ACK to close the window, got %d segments", len(out))
	}
	if h.c.rcv.limit != 64<<10 {
		t.Fatalf("buffer %d, want 64 KiB (the initial guess doubled once)", h.c.rcv.limit)
	}
}

// TestWindowInitialBufferGrowsOnce: the application has not read yet (it
// is still setting up) when the first burst fills the initial buffer:
// the initial size was a guess, so it doubles once and the window stays
// open; the next burst without a read closes it.
func TestWindowInitialBufferGrowsOnce(t *testing.T) {
	h := newHarness(t, autotuneConfig())
	h.establishSACK()
	out := h.fillWindow(peerISS+1, 1)
	for _, s := range out {
		if s.Window == 0 {
			t.Fatalf("zero window %s at the first fill (buffer %d)", fmtSeg(&s), h.c.rcv.limit)
		}
	}
	if h.c.rcv.limit != 64<<10 {
		t.Fatalf("buffer %d, want doubled once to 64 KiB", h.c.rcv.limit)
	}
	out = h.fillWindow(h.c.rcvNxt, 4)
	if len(out) == 0 || out[len(out)-1].Window != 0 || h.c.rcv.limit != 64<<10 {
		t.Fatalf("second burst without a read: %d segments, buffer %d; want a zero window at 64 KiB", len(out), h.c.rcv.limit)
	}
}
