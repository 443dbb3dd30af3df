package tcp

import (
	"testing"
	"time"
)

// wire connects two established connections directly: what one emits
// the other receives at once. Emit functions are made once, so a steady
// state round costs no allocation of the test's own.
type wire struct {
	now          time.Duration
	a, b         *Conn
	emitA, emitB func(*Segment)
	buf          []byte
	chunk        []byte
}

func newWire(tb testing.TB, cfg Config) *wire {
	w := &wire{now: time.Second, buf: make([]byte, 64<<10), chunk: make([]byte, 16<<10)}
	l := NewListener(&cfg, pipeB, 4, [16]byte{3})
	w.a = NewConn(&cfg, pipeA, pipeB, w.now)
	w.emitA = func(s *Segment) {
		if w.b != nil {
			w.b.Input(w.now, s)
			return
		}
		if c := l.Input(w.now, pipeA, s, w.emitB); c != nil {
			w.b = c
		}
	}
	w.emitB = func(s *Segment) { w.a.Input(w.now, s) }
	w.a.Connect(w.now)
	for i := 0; i < 4 && w.b == nil; i++ {
		w.a.Output(w.now, w.emitA)
	}
	if w.b == nil || w.a.State() != Established {
		tb.Fatal("no connection")
	}
	return w
}

// round moves one chunk a->b and the ACKs back.
func (w *wire) round() {
	w.now += 100 * time.Microsecond
	w.a.Write(w.chunk)
	w.a.Output(w.now, w.emitA)
	for {
		n, _ := w.b.Read(w.buf)
		if n == 0 {
			break
		}
	}
	w.b.Output(w.now, w.emitB)
	w.now += 40 * time.Millisecond // let delayed ACKs fire
	w.b.Output(w.now, w.emitB)
	w.a.Output(w.now, w.emitA)
}

func TestSteadyStateZeroAllocs(t *testing.T) {
	for _, tc := range []struct {
		name string
		mod  func(*Config)
	}{
		{"options", func(*Config) {}},
		{"plain", func(c *Config) { *c = testConfig() }},
		{"paced", func(c *Config) { c.Pacing = true }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tc.mod(&cfg)
			w := newWire(t, cfg)
			for i := 0; i < 200; i++ { // warm up: rings grow, autotuning settles
				w.round()
			}
			before := w.b.Info(w.now).BytesReceived
			if a := testing.AllocsPerRun(100, w.round); a != 0 {
				t.Fatalf("%.1f allocations per round, want 0", a)
			}
			if got := w.b.Info(w.now).BytesReceived - before; got < 100*uint64(len(w.chunk)) {
				t.Fatalf("moved %d bytes in 101 rounds: the rounds did not transfer", got)
			}
		})
	}
}

// BenchmarkSteadyState reports the cost of moving 16 KiB through a pair
// of connections (both directions of processing, no copies but the
// buffers').
func BenchmarkSteadyState(b *testing.B) {
	w := newWire(b, DefaultConfig())
	for i := 0; i < 200; i++ {
		w.round()
	}
	b.SetBytes(int64(len(w.chunk)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w.round()
	}
}

// BenchmarkInputInOrder measures the receive path alone: one full-sized
// in-order segment into an established connection, and the read.
func BenchmarkInputInOrder(b *testing.B) {
	h := newHarness(&testing.T{}, testConfig())
	h.c.Connect(h.now)
	h.c.Output(h.now, func(*Segment) {})
	syn := Segment{Seq: peerISS, Ack: h.c.iss + 1, Flags: SYN | ACK, Window: 65535, Options: Options{MSS: 1000, WScale: -1}}
	h.c.Input(h.now, &syn)
	seg := Segment{Seq: peerISS + 1, Ack: h.c.iss + 1, Flags: ACK, Window: 65535, Options: NoOptions, Payload: make([]byte, 1000)}
	buf := make([]byte, 1000)
	emit := func(*Segment) {}
	b.SetBytes(1000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		h.c.Input(h.now, &seg)
		h.c.Read(buf)
		h.c.Output(h.now, emit)
		seg.Seq = seg.Seq.Add(1000)
	}
}
