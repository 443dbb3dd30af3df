package tcp

import "testing"

// TestAcceptabilityTable is RFC 9293 §3.10.7.4's table of segment
// acceptability: segment length (0 or not) x receive window (0 or not) x
// where the segment starts, with the reaction expected: taken (data
// buffered or state changed), or dropped with an ACK.
func TestAcceptabilityTable(t *testing.T) {
	const wnd = 4000
	for _, tc := range []struct {
		name     string
		zeroWnd  bool
		off      int // SEG.SEQ - RCV.NXT, or from the window's edge with edge set
		edge     bool
		n        int // payload length
		accepted bool
	}{
		{"len0-wnd0-at-nxt", true, 0, false, 0, true},
		{"len0-wnd0-after", true, 1, false, 0, false},
		{"len0-wnd0-before", true, -1, false, 0, false},
		{"len0-wnd-at-nxt", false, 0, false, 0, true},
		{"len0-wnd-inside", false, -1, true, 0, true},
		{"len0-wnd-at-edge", false, 0, true, 0, true}, // taken, as Linux does: a peer that filled the window ACKs there
		{"len0-wnd-beyond-edge", false, 1, true, 0, false},
		{"len0-wnd-before", false, -1, false, 0, false},
		{"data-wnd0-at-nxt", true, 0, false, 10, false}, // the special allowance: ACK processed, data not taken
		{"data-wnd-at-nxt", false, 0, false, 10, true},
		{"data-wnd-starts-before-ends-inside", false, -5, false, 10, true},
		{"data-wnd-ends-at-nxt-minus-1", false, -10, false, 10, false},
		{"data-wnd-starts-inside-ends-beyond", false, -5, true, 10, true},
		{"data-wnd-starts-at-edge", false, 0, true, 10, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.RecvBuf, cfg.RecvBufMin = wnd, wnd
			h := newHarness(t, cfg)
			h.establish()
			iss, base := h.iss(), peerISS+1
			// Move RCV.NXT past the start so "before" has old data to hit.
			h.In(Segment{Seq: base, Ack: iss + 1, Flags: ACK, Window: 65535, Payload: data(100)})
			h.AdvanceToDeadline()
			h.out = nil
			nxt := base + 100
			if tc.zeroWnd {
				h.In(Segment{Seq: nxt, Ack: iss + 1, Flags: ACK, Window: 65535, Payload: data(wnd - 100)})
				nxt += wnd - 100
				h.flush()
				if w := h.out[len(h.out)-1].Window; w != 0 {
					t.Fatalf("window %d, want 0", w)
				}
				h.out = nil
			} else {
				h.c.Read(make([]byte, 100))
				h.flush()
				h.out = nil
			}
			buffered := h.c.rcv.n
			h.c.Write([]byte("z"))
			h.flush()
			h.out = nil
			// The probe segment acknowledges our one byte: that shows
			// whether its ACK field was processed.
			start := nxt.Add(tc.off)
			if tc.edge {
				start = h.c.rcvAdvEdge.Add(tc.off)
			}
			h.In(Segment{Seq: start, Ack: iss + 2, Flags: ACK, Window: 65535, Payload: data(tc.n)})
			ackTaken := h.c.sndUna == iss+2
			dataTaken := h.c.rcv.n > buffered || h.c.ooo.n > 0
			switch {
			case tc.accepted:
				if !ackTaken || (tc.n > 0 && !dataTaken) {
					t.Fatalf("acceptable segment: ACK taken %v, data taken %v", ackTaken, dataTaken)
				}
			case tc.zeroWnd && tc.off == 0:
				// RFC 9293 §3.10.7.4: "special allowance ... to accept
				// valid ACKs" with a zero window.
				if !ackTaken || dataTaken {
					t.Fatalf("zero window: ACK taken %v (want true), data taken %v (want false)", ackTaken, dataTaken)
				}
			default:
				if ackTaken || dataTaken {
					t.Fatalf("unacceptable segment used: ACK taken %v, data taken %v", ackTaken, dataTaken)
				}
				if len(h.out) == 0 {
					t.Fatal("unacceptable segment not answered with an ACK")
				}
			}
		})
	}
}
