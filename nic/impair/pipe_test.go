package impair

import (
	"bytes"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/nic"
)

const ms = int64(time.Millisecond)

func mkFrame(i, n int) nic.Frame {
	b := make([]byte, n)
	for j := range b {
		b[j] = byte(i + j*3)
	}
	return nic.Frame{Data: b}
}

type popped struct {
	at   int64 // when popped (manual clock)
	seq  int   // frame number taken from its first bytes
	data []byte
}

// drive offers count frames of size bytes, one every gap ns, advancing a
// manual clock in steps of step ns and popping what falls due. It drains
// the pipe at the end.
func drive(p *pipe, count, size int, gap, step int64) (out []popped, offeredAt []int64) {
	var now int64
	next := int64(0)
	sent := 0
	for sent < count || len(p.h) > 0 {
		for sent < count && next <= now {
			f := mkFrame(0, size)
			f.Data[0], f.Data[1], f.Data[2] = byte(sent>>16), byte(sent>>8), byte(sent)
			p.offer(now, &f)
			offeredAt = append(offeredAt, now)
			sent++
			next += gap
		}
		for {
			idx, ok := p.pop(now)
			if !ok {
				break
			}
			f := p.frame(idx)
			seq := int(f.Data[0])<<16 | int(f.Data[1])<<8 | int(f.Data[2])
			out = append(out, popped{at: now, seq: seq, data: append([]byte(nil), f.Data...)})
			p.give(idx)
		}
		now += step
	}
	return out, offeredAt
}

func checkBalance(t *testing.T, c Counters) {
	t.Helper()
	if c.Passed+c.Dropped()+c.Held != c.Offered+c.Duplicated {
		t.Errorf("counters do not balance: %+v", c)
	}
}

// passAll offers n frames of 60 bytes at time 0, taking out at once each
// one the pipe lets through (no delay configured), so that only the loss
// counters change.
func passAll(p *pipe, n int) {
	for i := 0; i < n; i++ {
		f := mkFrame(i, 60)
		p.offer(0, &f)
		if idx, ok := p.pop(0); ok {
			p.give(idx)
		}
	}
}

func TestLossRate(t *testing.T) {
	for _, loss := range []float64{0.01, 0.1, 0.5} {
		for seed := int64(1); seed <= 3; seed++ {
			p := newPipe(Direction{Loss: loss}, seed, streamTX, 1514)
			const n = 100_000
			passAll(p, n)
			c := p.counters()
			got := float64(c.DropLoss) / n
			// Five standard deviations of a binomial proportion.
			tol := 5 * math.Sqrt(loss*(1-loss)/n)
			if math.Abs(got-loss) > tol {
				t.Errorf("loss %v seed %d: measured %.4f, tolerance %.4f", loss, seed, got, tol)
			}
			checkBalance(t, c)
		}
	}
}

// TestGilbertElliottBursts checks the simple Gilbert model (H=0, K=1):
// losses come in bursts whose lengths are geometric with mean 1/R, and
// the loss rate is P/(P+R).
func TestGilbertElliottBursts(t *testing.T) {
	ge := GilbertElliott{P: 0.01, R: 0.25, H: 0, K: 1}
	for seed := int64(1); seed <= 3; seed++ {
		p := newPipe(Direction{GE: ge}, seed, streamTX, 1514)
		const n = 200_000
		var bursts []int
		run := 0
		for i := 0; i < n; i++ {
			f := mkFrame(i, 60)
			before := p.c.DropBurst
			p.offer(0, &f)
			if p.c.DropBurst > before {
				run++
			} else if run > 0 {
				bursts = append(bursts, run)
				run = 0
			}
			if idx, ok := p.pop(0); ok {
				p.give(idx)
			}
		}
		sum, ones := 0, 0
		for _, b := range bursts {
			sum += b
			if b == 1 {
				ones++
			}
		}
		mean := float64(sum) / float64(len(bursts))
		rate := float64(p.c.DropBurst) / n
		wantRate := ge.P / (ge.P + ge.R)
		if math.Abs(mean-1/ge.R) > 0.4 {
			t.Errorf("seed %d: mean burst %.2f over %d bursts, want %.2f", seed, mean, len(bursts), 1/ge.R)
		}
		if frac := float64(ones) / float64(len(bursts)); math.Abs(frac-ge.R) > 0.05 {
			t.Errorf("seed %d: P(burst=1) %.3f, want %.3f (geometric)", seed, frac, ge.R)
		}
		if math.Abs(rate-wantRate) > 0.006 {
			t.Errorf("seed %d: loss rate %.4f, want %.4f", seed, rate, wantRate)
		}
	}
}

// TestGilbertElliottStateLoss checks the loss probabilities inside the
// states: with P=R=0.5 the chain spends half its time in each, so the loss
// rate is ((1-K)+(1-H))/2.
func TestGilbertElliottStateLoss(t *testing.T) {
	p := newPipe(Direction{GE: GilbertElliott{P: 0.5, R: 0.5, H: 0.6, K: 0.9}}, 7, streamTX, 1514)
	const n = 100_000
	passAll(p, n)
	got := float64(p.c.DropBurst) / n
	if want := (0.1 + 0.4) / 2; math.Abs(got-want) > 0.01 {
		t.Errorf("loss %.4f, want %.4f", got, want)
	}
}

func TestDelayJitterBounds(t *testing.T) {
	for _, dist := range []Dist{Uniform, Normal} {
		d := Direction{Delay: 10 * time.Millisecond, Jitter: 2 * time.Millisecond, Dist: dist}
		p := newPipe(d, 1, streamTX, 1514)
		// Frames 10 ms apart: jitter never needs the order clamp, so the
		// delays are the raw draws.
		out, at := drive(p, 5000, 100, 10*ms, int64(10*time.Microsecond))
		if len(out) != 5000 {
			t.Fatalf("%d frames out", len(out))
		}
		var sum, sq float64
		lo, hi := int64(math.MaxInt64), int64(0)
		for i, o := range out {
			if o.seq != i {
				t.Fatalf("order broken at %d", i)
			}
			dl := o.at - at[o.seq]
			lo, hi = min(lo, dl), max(hi, dl)
			sum += float64(dl)
			sq += float64(dl) * float64(dl)
		}
		mean := sum / 5000
		sd := math.Sqrt(sq/5000 - mean*mean)
		spread, wantSD := 2*ms, 2e6/math.Sqrt(3)
		if dist == Normal {
			spread, wantSD = 6*ms, 2e6
		}
		step := int64(10 * time.Microsecond) // pop granularity of drive
		if lo < 10*ms-spread || hi > 10*ms+spread+step {
			t.Errorf("%v: delays in [%v, %v], want within ±%v of 10ms", dist, time.Duration(lo), time.Duration(hi), time.Duration(spread))
		}
		if math.Abs(mean-1e7) > 0.1e6 {
			t.Errorf("%v: mean delay %v", dist, time.Duration(mean))
		}
		if math.Abs(sd-wantSD)/wantSD > 0.1 {
			t.Errorf("%v: sd %v, want about %v", dist, time.Duration(sd), time.Duration(wantSD))
		}
	}
}

func TestOrderKeptUnlessReorder(t *testing.T) {
	d := Direction{Delay: 5 * time.Millisecond, Jitter: 3 * time.Millisecond}
	out, _ := drive(newPipe(d, 3, streamTX, 1514), 5000, 100, 100_000, 50_000)
	for i, o := range out {
		if o.seq != i {
			t.Fatalf("frame %d overtaken without reordering", i)
		}
	}
	d.Reorder, d.ReorderGap = 0.05, 2*time.Millisecond
	p := newPipe(d, 3, streamTX, 1514)
	out, _ = drive(p, 5000, 100, 100_000, 50_000)
	late := 0
	maxSeen := -1
	for _, o := range out {
		if o.seq < maxSeen {
			late++
		}
		maxSeen = max(maxSeen, o.seq)
	}
	c := p.counters()
	if math.Abs(float64(c.Reordered)/5000-0.05) > 0.015 {
		t.Errorf("reordered %d of 5000, want about 5%%", c.Reordered)
	}
	// Only picked frames can arrive late; held 2 ms while frames come
	// every 100 µs, nearly all of them are overtaken.
	if late > int(c.Reordered) || late < int(c.Reordered)*9/10 {
		t.Errorf("%d frames arrived late, %d were picked", late, c.Reordered)
	}
}

// TestRateLimit offers twice the bottleneck's rate and measures what comes
// out against the manual clock.
func TestRateLimit(t *testing.T) {
	const rate = 10_000_000
	const queue = 30_000
	d := Direction{Rate: rate, QueueBytes: queue}
	p := newPipe(d, 1, streamTX, 1514)
	// 1500-byte frames every 600µs = 20 Mbit/s for 10 s.
	out, at := drive(p, 16667, 1500, 600_000, 10_000)
	first, last := out[0].at, out[len(out)-1].at
	bits := float64(len(out)-1) * 1500 * 8
	got := bits / (float64(last-first) / 1e9)
	if math.Abs(got-rate)/rate > 0.01 {
		t.Errorf("throughput %.0f bit/s, want %d ±1%%", got, rate)
	}
	c := p.counters()
	if c.DropQueue == 0 || c.Passed+c.DropQueue != c.Offered {
		t.Errorf("counters %+v", c)
	}
	// Bufferbloat: a full queue of 30 kB at 10 Mbit/s adds 24 ms; no
	// frame may wait longer than that plus its own transmission (1.2 ms)
	// plus the clock step.
	maxWait := int64(0)
	for _, o := range out {
		maxWait = max(maxWait, o.at-at[o.seq])
	}
	limit := int64(queue*8*1e9/rate) + 1_200_000 + 10_000
	if maxWait > limit || maxWait < limit*8/10 {
		t.Errorf("max queueing delay %v, want just under %v", time.Duration(maxWait), time.Duration(limit))
	}
	checkBalance(t, c)
}

func TestDuplicateAndCorrupt(t *testing.T) {
	p := newPipe(Direction{Duplicate: 0.1}, 5, streamTX, 1514)
	out, _ := drive(p, 20000, 100, 1000, 1000)
	c := p.counters()
	if math.Abs(float64(c.Duplicated)/20000-0.1) > 0.01 || len(out) != 20000+int(c.Duplicated) {
		t.Errorf("duplicated %d, delivered %d", c.Duplicated, len(out))
	}
	for i := 1; i < len(out); i++ {
		if out[i].seq < out[i-1].seq {
			t.Fatal("duplicate out of order")
		}
	}

	p = newPipe(Direction{Corrupt: 1}, 5, streamTX, 1514)
	out, _ = drive(p, 2000, 100, 1000, 1000)
	if len(out) != 2000 {
		t.Fatalf("%d frames out", len(out))
	}
	// Order is kept and nothing lost, so out[i] is frame i (its sequence
	// bytes may be the ones hit).
	for i, o := range out {
		f := mkFrame(0, 100)
		f.Data[0], f.Data[1], f.Data[2] = byte(i>>16), byte(i>>8), byte(i)
		flipped := 0
		for j := range f.Data {
			for x := f.Data[j] ^ o.data[j]; x != 0; x &= x - 1 {
				flipped++
			}
		}
		if flipped != 1 {
			t.Fatalf("frame %d: %d bits flipped, want 1", i, flipped)
		}
	}
	if p.counters().Corrupted != 2000 {
		t.Errorf("corrupted %d", p.counters().Corrupted)
	}
}

func TestLimitBoundsMemory(t *testing.T) {
	p := newPipe(Direction{Delay: time.Second, Limit: 10}, 1, streamTX, 1514)
	for i := 0; i < 50; i++ {
		f := mkFrame(i, 100)
		p.offer(0, &f)
	}
	c := p.counters()
	if c.Held != 10 || c.DropLimit != 40 || len(p.slab) != 10 {
		t.Fatalf("held %d, limit drops %d, buffers %d", c.Held, c.DropLimit, len(p.slab))
	}
	checkBalance(t, c)
}

func everything() Direction {
	return Direction{
		Loss: 0.05, GE: GilbertElliott{P: 0.02, R: 0.3, H: 0.2, K: 0.99},
		Delay: 3 * time.Millisecond, Jitter: time.Millisecond, Dist: Normal,
		Reorder: 0.05, Duplicate: 0.03, Corrupt: 0.02,
		Rate: 50_000_000, QueueBytes: 20_000,
	}
}

func trace(seed int64) string {
	p := newPipe(everything(), seed, streamTX, 1514)
	out, _ := drive(p, 3000, 700, 100_000, 37_000)
	var b bytes.Buffer
	for _, o := range out {
		fmt.Fprintf(&b, "%d %d %x\n", o.at, o.seq, o.data[:8])
	}
	fmt.Fprintf(&b, "%+v", p.counters())
	return b.String()
}

func TestDeterministic(t *testing.T) {
	a, b, c := trace(42), trace(42), trace(43)
	if a != b {
		t.Fatal("same seed, different outcome")
	}
	if a == c {
		t.Fatal("different seeds, same outcome")
	}
}

func TestStreamsDiffer(t *testing.T) {
	tx := newPipe(Direction{Loss: 0.5}, 1, streamTX, 1514)
	rx := newPipe(Direction{Loss: 0.5}, 1, streamRX, 1514)
	same := 0
	for i := 0; i < 1000; i++ {
		f := mkFrame(i, 60)
		a, b := tx.c.DropLoss, rx.c.DropLoss
		tx.offer(0, &f)
		rx.offer(0, &f)
		if (tx.c.DropLoss > a) == (rx.c.DropLoss > b) {
			same++
		}
		for _, p := range []*pipe{tx, rx} {
			if idx, ok := p.pop(0); ok {
				p.give(idx)
			}
		}
	}
	if same > 600 {
		t.Fatalf("TX and RX decisions agree %d/1000 times: streams not independent", same)
	}
}

func TestValidate(t *testing.T) {
	bad := Direction{Loss: 1.5, Delay: -1, Rate: -3, GE: GilbertElliott{P: math.NaN()}}
	err := Profile{TX: bad}.Validate()
	if err == nil {
		t.Fatal("invalid profile accepted")
	}
	for _, want := range []string{"tx: loss", "delay", "rate", "ge.p"} {
		if !bytes.Contains([]byte(err.Error()), []byte(want)) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if err := (Profile{TX: everything(), RX: everything()}).Validate(); err != nil {
		t.Fatal(err)
	}
}

// TestRateBurst: a bucket Burst bytes deep lets that much through at once,
// then frames leave at the rate.
func TestRateBurst(t *testing.T) {
	// 8 Mbit/s is one byte per microsecond.
	p := newPipe(Direction{Rate: 8_000_000, Burst: 10_000, QueueBytes: 100_000}, 1, streamTX, 1514)
	for i := 0; i < 15; i++ {
		f := mkFrame(i, 1000)
		p.offer(0, &f)
	}
	var at []int64
	for len(p.h) > 0 {
		at = append(at, p.h.pop().at)
	}
	for i, a := range at {
		want := int64(0)
		if i >= 10 {
			want = int64(i-9) * 1000 * 1000 // 1000 bytes = 1 ms each
		}
		if a != want {
			t.Errorf("frame %d leaves at %v, want %v", i, time.Duration(a), time.Duration(want))
		}
	}
}
