package cc

import (
	"testing"
	"time"
)

// A sender that always sends at NextSendTime achieves exactly the rate.
func TestPacerSpacesAtRate(t *testing.T) {
	for _, tc := range []struct {
		rate uint64
		seg  int
	}{
		{1e6, 1000},        // 1 ms apart
		{6250000, 1500},    // 50 Mbit/s: 240 µs apart
		{1250000000, 9000}, // 10 Gbit/s jumbo: 7.2 µs apart
		{3, 1460},          // absurdly slow: 486.67 s apart
	} {
		var p Pacer
		p.SetRate(0, tc.rate)
		now := time.Duration(0)
		first := time.Duration(-1)
		const n = 200
		for i := 0; i < n; i++ {
			at := p.NextSendTime(now, tc.seg)
			if at < now {
				t.Fatalf("rate %d: send time %v before now %v", tc.rate, at, now)
			}
			now = at
			if first < 0 {
				first = now
			}
			p.OnSend(now, tc.seg)
		}
		// n-1 gaps of seg/rate each, rounded up to the nanosecond.
		want := float64(n-1) * float64(tc.seg) / float64(tc.rate) * 1e9
		got := float64(now - first)
		if got < want || got > want+float64(n) {
			t.Errorf("rate %d seg %d: %d segments took %v, want %v", tc.rate, tc.seg, n, time.Duration(got), time.Duration(want))
		}
	}
}

// After idle the bucket holds Burst bytes, no more.
func TestPacerBurstAfterIdle(t *testing.T) {
	p := Pacer{Burst: 10000}
	p.SetRate(0, 1e6)
	now := time.Second // a long idle period
	sentNow := 0
	for i := 0; i < 20; i++ {
		if p.NextSendTime(now, 1000) != now {
			break
		}
		p.OnSend(now, 1000)
		sentNow++
	}
	if sentNow != 10 {
		t.Fatalf("%d segments back to back after idle, want Burst/seg = 10", sentNow)
	}
	if next := p.NextSendTime(now, 1000); next != now+time.Millisecond {
		t.Fatalf("next after the burst at %v, want %v", next, now+time.Millisecond)
	}
}

func TestPacerRateChangeAndOff(t *testing.T) {
	var p Pacer
	p.SetRate(0, 1e6)
	p.OnSend(0, 1000)
	if got := p.NextSendTime(0, 1000); got != time.Millisecond {
		t.Fatalf("at 1e6 B/s: %v", got)
	}
	p.SetRate(0, 2e6)
	if got := p.NextSendTime(0, 1000); got != 500*time.Microsecond {
		t.Fatalf("at 2e6 B/s: %v", got)
	}
	p.SetRate(0, 0)
	if got := p.NextSendTime(0, 1000); got != 0 {
		t.Fatalf("unpaced: %v", got)
	}
}

// Unpaced sends (debt) delay later segments, but by at most one bucket.
func TestPacerDebtBounded(t *testing.T) {
	var p Pacer
	p.SetRate(0, 1e6)
	for i := 0; i < 1000; i++ {
		p.OnSend(0, 1000)
	}
	if got := p.NextSendTime(0, 1000); got > 2*time.Millisecond {
		t.Fatalf("debt of 1000 unpaced segments delays to %v", got)
	}
}

func TestPacerZeroAlloc(t *testing.T) {
	p := Pacer{Burst: 3000}
	p.SetRate(0, 12345678)
	now := time.Duration(0)
	n := testing.AllocsPerRun(1000, func() {
		now = p.NextSendTime(now, 1460)
		p.OnSend(now, 1460)
	})
	if n != 0 {
		t.Fatalf("%v allocations", n)
	}
}

func BenchmarkPacer(b *testing.B) {
	p := Pacer{Burst: 3000}
	p.SetRate(0, 6250000)
	now := time.Duration(0)
	for b.Loop() {
		now = p.NextSendTime(now, 1460)
		p.OnSend(now, 1460)
	}
}

// A wake-up L late may send what the rate earned during L as well, at
// that instant only, for L up to maxCatchUp: the long-run rate stays the
// pacing rate when the timer is coarse.
func TestPacerCatchesUpLateWakeup(t *testing.T) {
	for _, tc := range []struct {
		wake time.Duration // when the sender held until 1 ms comes back
		want int           // segments it may send then
	}{
		{time.Millisecond, 1},
		{4 * time.Millisecond, 4},       // the held one and three earned while late
		{50 * time.Millisecond, 1 + 10}, // lateness beyond maxCatchUp (10 ms) is lost
	} {
		p := Pacer{Burst: 1000}
		p.SetRate(0, 1e6) // 1000-byte segments 1 ms apart
		p.OnSend(0, 1000)
		if at := p.NextSendTime(0, 1000); at != time.Millisecond {
			t.Fatalf("held until %v, want 1ms", at)
		}
		now, n := tc.wake, 0
		for p.NextSendTime(now, 1000) == now && n < 100 {
			p.OnSend(now, 1000)
			n++
		}
		if n != tc.want {
			t.Errorf("woken at %v: %d segments at once, want %d", tc.wake, n, tc.want)
		}
		// The sender's timer fires when the next is due, with nothing
		// to send; after idle, one bucket at most goes back to back.
		p.Wake(p.NextSendTime(now, 1000))
		later := now + 100*time.Millisecond
		m := 0
		for p.NextSendTime(later, 1000) == later && m < 100 {
			p.OnSend(later, 1000)
			m++
		}
		if m != 1 {
			t.Errorf("after idle following a late wake-up: %d back to back, want Burst (1)", m)
		}
	}
}

// A sender that wakes 1.2 ms after each hold still sends at the rate.
func TestPacerRateWithCoarseTimer(t *testing.T) {
	p := Pacer{Burst: 3000}
	p.SetRate(0, 6250000) // 50 Mbit/s
	now, sent := time.Duration(0), 0
	for now < time.Second {
		at := p.NextSendTime(now, 1500)
		if at > now {
			now = at + 1200*time.Microsecond
			continue
		}
		p.OnSend(now, 1500)
		sent += 1500
	}
	if got := float64(sent) / now.Seconds(); got < 0.99*6250000 || got > 1.01*6250000 {
		t.Fatalf("sent %.0f B/s with a late timer, want 6250000 ±1%%", got)
	}
}
