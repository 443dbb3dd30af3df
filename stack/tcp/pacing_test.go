package tcp

import (
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/stack/tcp/cc"
)

// pacedTransfer sends 1 MiB a->b over a 20 ms pipe with cfg at a and
// reports the largest number of data segments a emitted at one instant,
// how many bursts exceeded the pacer's quantum at the rate of the
// moment, and a's tcp_info pacing rates seen while sending.
func pacedTransfer(t *testing.T, cfg Config) (burst, over int, rates []uint64, elapsed time.Duration) {
	t.Helper()
	p := newPipe(t, cfg, DefaultConfig(), 21, 0)
	p.delay = 10 * time.Millisecond
	last, run, bytes := time.Duration(-1), 0, 0
	start := p.now
	p.onSendA = func(now time.Duration, s *Segment) {
		if len(s.Payload) == 0 {
			return
		}
		if now != last {
			last, run, bytes = now, 0, 0
		}
		run++
		bytes += len(s.Payload)
		burst = max(burst, run)
		r := p.a.Info(now).PacingRate
		rates = append(rates, r)
		// What was sent at this instant before this segment fits the
		// quantum at the present rate.
		if bytes-len(s.Payload) >= cc.PacingQuantum(r, 1460) {
			over++
		}
	}
	p.transfer(1<<20, 0, time.Hour)
	return burst, over, rates, p.now - start
}

// With Pacing on, NewReno's window leaves spread over the RTT: about 1 ms
// of data, at least two segments, at a time (Linux's tcp_tso_autosize),
// at cwnd/SRTT x2 in slow start (tcp_pacing_ss_ratio). Off, slow start
// releases whole windows back to back.
func TestPacingWindowBased(t *testing.T) {
	off := DefaultConfig()
	burstOff, overOff, ratesOff, _ := pacedTransfer(t, off)
	for _, r := range ratesOff {
		if r != 0 {
			t.Fatalf("pacing off: tcp_info pacing_rate %d", r)
		}
	}
	on := DefaultConfig()
	on.Pacing = true
	burstOn, overOn, ratesOn, _ := pacedTransfer(t, on)
	t.Logf("largest burst: %d segments unpaced, %d paced; segments beyond the quantum: %d unpaced, %d paced",
		burstOff, burstOn, overOff, overOn)
	if overOff == 0 {
		t.Fatalf("unpaced, no burst beyond the quantum (largest %d segments): the comparison shows nothing", burstOff)
	}
	if overOn > 0 {
		t.Errorf("paced: %d segments sent beyond the quantum of their instant (largest burst %d)", overOn, burstOn)
	}
	if ratesOn[0] == 0 {
		t.Fatal("pacing on: tcp_info shows no pacing rate")
	}
	// The first flight: 10 segments of 1460 bytes over the handshake's
	// 20 ms RTT, times 2 in slow start.
	if want := uint64(2 * 10 * 1460 / 0.020); ratesOn[0] < want*9/10 || ratesOn[0] > want*11/10 {
		t.Errorf("first pacing rate %d B/s, want about %d", ratesOn[0], want)
	}
}

// MaxPacingRate caps the rate (SO_MAX_PACING_RATE) and, as in Linux,
// turns pacing on by itself: 1 MiB at 1 MB/s takes at least a second.
func TestPacingMaxRate(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxPacingRate = 1e6
	_, _, rates, elapsed := pacedTransfer(t, cfg)
	for _, r := range rates {
		if r == 0 || r > 1e6 {
			t.Fatalf("pacing rate %d with a cap of 1e6", r)
		}
	}
	if min := time.Duration(float64(1<<20) / 1e6 * float64(time.Second)); elapsed < min {
		t.Fatalf("1 MiB in %v at a cap of 1 MB/s, want at least %v", elapsed, min)
	}
}
