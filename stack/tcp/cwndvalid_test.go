package tcp

import (
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/stack/tcp/cc"
)

// Congestion-window validation (cwndvalid.go, cc.Sender.CwndLimited):
// the window grows only when it was used.

// windowGrowers are the algorithms that grow the window per ACK and so
// validate it; BBR models its own window and fixed never grows.
var windowGrowers = []string{"reno", "newreno", "cubic"}

// useAlgorithm makes cfg's connections use the named algorithm.
func useAlgorithm(t testing.TB, cfg *Config, name string) {
	iw := cfg.InitialCwnd
	cfg.Congestion = func() cc.Algorithm {
		a, err := cc.New(name, cc.Options{InitialWindow: iw})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
}

// establishedWith is a harness connection using the named algorithm,
// established.
func establishedWith(t *testing.T, name string) *harness {
	cfg := testConfig()
	useAlgorithm(t, &cfg, name)
	h := newHarness(t, cfg)
	h.establish()
	return h
}

// ackFlight acknowledges, one segment at a time, every data segment
// emitted so far (one round trip's flight), advertising window wnd, and
// returns how many there were. What the ACKs release is the next flight.
func (h *harness) ackFlight(wnd uint16) int {
	h.t.Helper()
	flight := h.out
	h.out = nil
	n := 0
	for _, s := range flight {
		if len(s.Payload) == 0 {
			continue
		}
		n++
		h.In(Segment{Seq: peerISS + 1, Ack: s.Seq.Add(len(s.Payload)), Flags: ACK, Window: wnd})
	}
	return n
}

// An application that writes two segments per round trip keeps a flight
// of two segments: the window stays at its initial 10 segments (twice
// the flight is below it), where without validation slow start would
// add two segments per round, to 110 after 50 rounds, and release them
// in one burst when the application speeds up.
func TestCwndValidationSmallWrites(t *testing.T) {
	for _, name := range windowGrowers {
		h := establishedWith(t, name)
		iw := h.c.Info(h.now).Cwnd
		for round := 0; round < 50; round++ {
			if n, _ := h.c.Write(data(2000)); n != 2000 {
				t.Fatalf("%s: short write %d", name, n)
			}
			h.flush()
			h.now += 10 * time.Millisecond // the round trip
			if n := h.ackFlight(65535); n != 2 {
				t.Fatalf("%s round %d: %d segments in flight, want 2", name, round, n)
			}
			h.now += 10 * time.Millisecond // the application's pause
		}
		in := h.c.Info(h.now)
		if in.Cwnd != iw || in.CwndLimited {
			t.Fatalf("%s: cwnd %d (CwndLimited %v) after 50 rounds of 2-segment flights, want it held at %d",
				name, in.Cwnd, in.CwndLimited, iw)
		}
		// A burst after the app-limited phase is the window's 10
		// segments, not the 110 an unvalidated window would release.
		h.c.Write(data(200000))
		h.flush()
		if n := len(h.out); n != iw/1000 {
			t.Fatalf("%s: burst of %d segments after the app-limited phase, want %d", name, n, iw/1000)
		}
	}
}

// A bulk sender fills its window every round trip: slow start doubles it
// per round (RFC 5681 §3.1) exactly as without validation. Once the
// peer's 65535-byte window holds the flight at 65 segments, slow start
// goes on only while cwnd is below twice that flight (Linux), and stops
// there instead of growing without bound.
func TestCwndValidationBulkThenReceiverLimited(t *testing.T) {
	for _, name := range windowGrowers {
		h := establishedWith(t, name)
		h.c.SetSendBuffer(1 << 20)
		h.c.Write(data(1 << 20))
		h.flush()
		want := 10
		for round := 0; round < 3; round++ {
			in := h.c.Info(h.now)
			if in.Cwnd != want*1000 || !in.CwndLimited {
				t.Fatalf("%s round %d: cwnd %d (CwndLimited %v), want %d (doubling per round trip)",
					name, round, in.Cwnd, in.CwndLimited, want*1000)
			}
			h.now += 10 * time.Millisecond
			if n := h.ackFlight(65535); n != want {
				t.Fatalf("%s round %d: flight of %d segments, want %d", name, round, n, want)
			}
			want *= 2
		}
		if got := h.c.Info(h.now).Cwnd; got != 80000 {
			t.Fatalf("%s: cwnd %d after three rounds, want 80000", name, got)
		}
		// The peer's window now limits the flight to 65 segments.
		for round := 3; round < 20; round++ {
			h.now += 10 * time.Millisecond
			if n := h.ackFlight(65535); n > 65 {
				t.Fatalf("%s round %d: flight of %d segments beyond the peer's window", name, round, n)
			}
		}
		in := h.c.Info(h.now)
		// Slow start's last ACK may add up to L = 2 (RFC 3465) or, for
		// HyStart++, 8 segments (RFC 9406 §4.3) beyond the bound.
		if in.Cwnd < 2*65000 || in.Cwnd > 2*65000+8*1000 || in.CwndLimited {
			t.Fatalf("%s: receiver-limited cwnd %d (CwndLimited %v), want about twice the 65000-byte flight",
				name, in.Cwnd, in.CwndLimited)
		}
	}
}

// With a fixed 16 KiB send buffer over the 10 ms pipe, the window stops
// near twice the flight the buffer allows (before validation it reached
// 779024 bytes for NewReno), and the transfer goes no slower than 16 KiB
// per round trip allows.
func TestCwndValidationFixedSendBuffer(t *testing.T) {
	for _, name := range windowGrowers {
		a := DefaultConfig()
		a.SendBufMin, a.SendBuf, a.SendBufMax = 4096, 16384, 16384
		useAlgorithm(t, &a, name)
		p := newPipe(t, a, DefaultConfig(), 1, 0)
		d := p.bulkTime(4 << 20)
		in := p.a.Info(p.now)
		t.Logf("%s: 4 MiB with a fixed 16 KiB send buffer in %v: cwnd %d, ssthresh %d, CwndLimited %v",
			name, d, in.Cwnd, in.Ssthresh, in.CwndLimited)
		if in.Cwnd > 2*16384+8*in.SndMSS || in.Cwnd < 16384 {
			t.Fatalf("%s: cwnd %d with a 16 KiB send buffer, want between 16384 and about twice that", name, in.Cwnd)
		}
		if in.CwndLimited {
			t.Fatalf("%s: CwndLimited with the buffer, not the window, holding the flight", name)
		}
		// 4 MiB at 16 KiB per 10 ms round trip is 2.56 s; allow slow
		// start, delayed ACKs and the handshake.
		if d > 4*time.Second {
			t.Fatalf("%s: 4 MiB took %v", name, d)
		}
	}
}
