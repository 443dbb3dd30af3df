package tcp

import "testing"

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
