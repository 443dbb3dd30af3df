package tcp

import (
	"testing"
	"time"
)

// Send-buffer autotuning (Linux tcp_wmem and tcp_sndbuf_expand): the
// buffer starts at SendBuf, is sized for the initial window on
// establishment, grows to twice the congestion window while the writer
// finds it full, stops at SendBufMax, and SetSendBuffer fixes it.

func sendTuneConfig() Config {
	cfg := testConfig()
	cfg.SendBufMin, cfg.SendBuf, cfg.SendBufMax = 4096, 4096, 60000
	return cfg
}

// ackEach acknowledges everything sent so far one segment at a time,
// collecting what the ACKs release, and reports the send buffer sizes
// seen after each ACK.
func (h *harness) ackEach() []int {
	h.t.Helper()
	var sizes []int
	for len(h.out) > 0 {
		s := h.Next()
		if len(s.Payload) == 0 {
			continue
		}
		h.In(Segment{Seq: peerISS + 1, Ack: s.Seq.Add(len(s.Payload)), Flags: ACK, Window: 65535})
		sizes = append(sizes, h.c.Info(h.now).SndBuf)
	}
	return sizes
}

func TestSendBufferAutotuning(t *testing.T) {
	h := newHarness(t, sendTuneConfig())
	if got := h.c.Info(h.now).SndBuf; got != 4096 {
		t.Fatalf("before the handshake: send buffer %d, want SendBuf 4096", got)
	}
	h.establish()
	// tcp_init_buffer_space: room for twice the initial window of 10.
	if got := h.c.Info(h.now).SndBuf; got != 2*10*1000 {
		t.Fatalf("established: send buffer %d, want 20000", got)
	}
	total := 0
	prev := 0
	for round := 0; round < 10; round++ {
		n, _ := h.c.Write(data(100000))
		total += n
		h.flush()
		for _, size := range h.ackEach() {
			in := h.c.Info(h.now)
			if size < prev || size > 60000 {
				t.Fatalf("round %d: send buffer %d after %d (max 60000)", round, size, prev)
			}
			if size != 60000 && size > 2*in.Cwnd {
				t.Fatalf("round %d: send buffer %d beyond twice cwnd %d", round, size, in.Cwnd)
			}
			prev = size
		}
	}
	in := h.c.Info(h.now)
	if in.SndBuf != 60000 || in.Cwnd < 30000 {
		t.Fatalf("after %d bytes: send buffer %d (want SendBufMax 60000), cwnd %d", total, in.SndBuf, in.Cwnd)
	}
}

// A writer that never fills the buffer does not make it grow
// (tcp_should_expand_sndbuf runs only for a writer that waited).
func TestSendBufferGrowsOnlyForWaitingWriter(t *testing.T) {
	h := newHarness(t, sendTuneConfig())
	h.establish()
	for round := 0; round < 20; round++ {
		if n, _ := h.c.Write(data(3000)); n != 3000 {
			t.Fatalf("short write %d", n)
		}
		h.flush()
		h.ackEach()
	}
	if in := h.c.Info(h.now); in.SndBuf != 20000 {
		t.Fatalf("send buffer %d for a writer that never waited (cwnd %d), want 20000", in.SndBuf, in.Cwnd)
	}
}

// SetSendBuffer fixes the size (SOCK_SNDBUF_LOCK), not below SendBufMin;
// SendBuf == SendBufMax fixes it from the configuration.
func TestSendBufferLocked(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  int
		cfg  func(*Config)
		want int
	}{
		{"SO_SNDBUF", 10000, nil, 10000},
		{"below SendBufMin", 100, nil, 4096},
		{"SendBuf == SendBufMax", 0, func(c *Config) { c.SendBuf, c.SendBufMax = 8192, 8192 }, 8192},
	} {
		cfg := sendTuneConfig()
		if tc.cfg != nil {
			tc.cfg(&cfg)
		}
		h := newHarness(t, cfg)
		h.establish()
		if tc.set > 0 {
			h.c.SetSendBuffer(tc.set)
		}
		for round := 0; round < 10; round++ {
			h.c.Write(data(100000))
			h.flush()
			h.ackEach()
			if got := h.c.Info(h.now).SndBuf; got != tc.want {
				t.Fatalf("%s: round %d: send buffer %d, want %d", tc.name, round, got, tc.want)
			}
		}
	}
}

// bulkTime moves n bytes from a to b over the pipe and returns the
// simulated time it took, from the first write to the last byte read.
func (p *pipe) bulkTime(n int) time.Duration {
	p.t.Helper()
	src := data(n)
	buf := make([]byte, 64<<10)
	off, got, idle := 0, 0, false
	for i := 0; p.b == nil || p.a.State() != Established; i++ {
		if i > 100 {
			p.t.Fatal("handshake stalled")
		}
		p.step()
	}
	start := p.now
	for steps := 0; got < n; steps++ {
		if steps > 1_000_000 || p.now-start > time.Minute {
			p.t.Fatalf("stuck: %d of %d bytes read after %v", got, n, p.now-start)
		}
		k, _ := p.a.Write(src[off:])
		off += k
		for {
			k, _ := p.b.Read(buf)
			got += k
			if k == 0 {
				break
			}
		}
		// A step with nothing to do gives the application a turn; two
		// in a row mean nothing will happen.
		if idle = !p.step() && idle; idle && got < n {
			p.t.Fatalf("idle with %d of %d bytes read", got, n)
		}
	}
	return p.now - start
}

// Over a 10 ms path a 16 KiB send buffer (the appliance's sndbuf) that
// does not grow caps the rate at 16 KiB per round trip; autotuning lets
// the window, not the buffer, set the pace.
func TestSendBufferAutotuningRate(t *testing.T) {
	run := func(max int) (time.Duration, Info) {
		a, b := DefaultConfig(), DefaultConfig()
		a.SendBufMin, a.SendBuf, a.SendBufMax = 4096, 16384, max
		p := newPipe(t, a, b, 1, 0)
		d := p.bulkTime(4 << 20)
		return d, p.a.Info(p.now)
	}
	fixed, fin := run(16384)
	auto, ain := run(4 << 20)
	t.Logf("4 MiB over 10 ms RTT: fixed 16 KiB %v (cwnd %d), autotuned %v (send buffer %d, cwnd %d)",
		fixed, fin.Cwnd, auto, ain.SndBuf, ain.Cwnd)
	if perRTT := 16384.0 / (10 * time.Millisecond).Seconds(); fixed.Seconds() < float64(4<<20)/perRTT*0.9 {
		t.Fatalf("the fixed buffer moved 4 MiB in %v, faster than 16 KiB per RTT allows", fixed)
	}
	if auto*4 > fixed || ain.SndBuf <= 16384 || ain.SndBuf > 4<<20 || fin.SndBuf != 16384 {
		t.Fatalf("autotuned %v (send buffer %d) against fixed %v (send buffer %d)", auto, ain.SndBuf, fixed, fin.SndBuf)
	}
}
