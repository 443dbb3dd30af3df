package impair

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/nic"
	"github.com/tcpbox/tcpbox/nic/memlink"
)

func pair(t *testing.T) (a, b *memlink.Link) {
	a, b = memlink.New(memlink.Options{MTU: 1500, MACA: [6]byte{2, 1}, MACB: [6]byte{2, 2}, QueueLen: 4096})
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

// readN reads until n frames arrived or timeout, returning their data.
func readN(t *testing.T, l nic.Link, n int, timeout time.Duration) [][]byte {
	t.Helper()
	got := make(chan [][]byte, 1)
	go func() {
		var out [][]byte
		buf := make([]nic.Frame, 64)
		for len(out) < n {
			k, err := l.ReadBatch(buf)
			if err != nil {
				break
			}
			for i := 0; i < k; i++ {
				out = append(out, append([]byte(nil), buf[i].Data...))
			}
		}
		got <- out
	}()
	select {
	case out := <-got:
		return out
	case <-time.After(timeout):
		t.Fatalf("timed out waiting for %d frames", n)
		return nil
	}
}

func TestPassThroughZeroAllocs(t *testing.T) {
	a, b := pair(t)
	l := Wrap(a, Profile{}, 1)
	defer l.Close()
	in := []nic.Frame{mkFrame(1, 1514), mkFrame(2, 60)}
	out := make([]nic.Frame, 4)
	allocs := testing.AllocsPerRun(200, func() {
		l.WriteBatch(in)
		b.ReadBatch(out)
	})
	if allocs != 0 {
		t.Fatalf("%v allocs per batch", allocs)
	}
}

// TestTXLossThroughLink sends through 20% loss over a memlink: the peer
// receives exactly what the counters say passed, in order.
func TestTXLossThroughLink(t *testing.T) {
	a, b := pair(t)
	l := Wrap(a, Profile{TX: Direction{Loss: 0.2}}, 9)
	defer l.Close()
	const n = 3000
	for i := 0; i < n; i++ {
		f := mkFrame(0, 64)
		f.Data[0], f.Data[1] = byte(i>>8), byte(i)
		if k, err := l.WriteBatch([]nic.Frame{f}); k != 1 || err != nil {
			t.Fatal(k, err)
		}
	}
	tx, _ := l.Counters()
	got := readN(t, b, int(tx.Passed), 20*time.Second)
	if len(got) != int(tx.Passed) || tx.DropLoss+tx.Passed != n {
		t.Fatalf("received %d, counters %+v", len(got), tx)
	}
	prev := -1
	for _, d := range got {
		seq := int(d[0])<<8 | int(d[1])
		if seq <= prev {
			t.Fatal("order broken")
		}
		prev = seq
	}
	if s := l.Stats(); s.TxDropped != tx.DropLoss {
		t.Errorf("Stats().TxDropped %d, want %d", s.TxDropped, tx.DropLoss)
	}
}

// TestRXDelay delays the receive direction: frames come out no sooner than
// the delay (a lower bound only, so a loaded machine cannot fail it), and
// in order.
func TestRXDelay(t *testing.T) {
	a, b := pair(t)
	l := Wrap(a, Profile{RX: Direction{Delay: 30 * time.Millisecond}}, 1)
	defer l.Close()
	start := time.Now()
	for i := 0; i < 10; i++ {
		b.WriteBatch([]nic.Frame{mkFrame(i, 80)})
	}
	got := readN(t, l, 10, 20*time.Second)
	if el := time.Since(start); el < 30*time.Millisecond {
		t.Fatalf("frames arrived after %v, before the 30ms delay", el)
	}
	for i, d := range got {
		if d[0] != byte(i) {
			t.Fatalf("frame %d out of order", i)
		}
	}
	_, rx := l.Counters()
	if rx.Delayed != 10 || rx.Passed != 10 {
		t.Fatalf("counters %+v", rx)
	}
}

// TestTXDelayScheduler checks that delayed TX frames are written by the
// scheduler after WriteBatch has returned.
func TestTXDelayScheduler(t *testing.T) {
	a, b := pair(t)
	l := Wrap(a, Profile{TX: Direction{Delay: 20 * time.Millisecond, Jitter: 5 * time.Millisecond}}, 1)
	defer l.Close()
	for i := 0; i < 100; i++ {
		l.WriteBatch([]nic.Frame{mkFrame(i, 80)})
	}
	got := readN(t, b, 100, 20*time.Second)
	for i, d := range got {
		if d[0] != byte(i) {
			t.Fatalf("frame %d out of order", i)
		}
	}
}

func TestCloseWakesReader(t *testing.T) {
	a, _ := pair(t)
	l := Wrap(a, Profile{RX: Direction{Loss: 0.1}, TX: Direction{Delay: time.Second}}, 1)
	l.WriteBatch([]nic.Frame{mkFrame(0, 60)}) // held a second: Close must not wait for it
	done := make(chan error, 1)
	go func() {
		_, err := l.ReadBatch(make([]nic.Frame, 4))
		done <- err
	}()
	time.Sleep(10 * time.Millisecond) // not needed for correctness: either order must work
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, nic.ErrClosed) {
			t.Fatalf("ReadBatch: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not wake ReadBatch")
	}
	if _, err := l.WriteBatch([]nic.Frame{mkFrame(0, 60)}); !errors.Is(err, nic.ErrClosed) {
		t.Fatalf("WriteBatch after Close: %v", err)
	}
	l.Close()
}

func TestTooBig(t *testing.T) {
	a, _ := pair(t)
	l := Wrap(a, Profile{TX: Direction{Loss: 0.1}}, 1)
	defer l.Close()
	if n, err := l.WriteBatch([]nic.Frame{mkFrame(0, 60), mkFrame(0, 1515)}); n != 1 || !errors.Is(err, nic.ErrTooBig) {
		t.Fatalf("WriteBatch = %d, %v", n, err)
	}
}

// TestBothWaysConcurrent runs writers on both ends at once with every
// impairment on (under -race) and checks the counters balance.
func TestBothWaysConcurrent(t *testing.T) {
	a, b := pair(t)
	d := everything()
	d.Delay, d.Jitter = time.Millisecond, 500*time.Microsecond
	l := Wrap(a, Profile{TX: d, RX: d}, 4)
	var wg sync.WaitGroup
	for w := 0; w < 3; w++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := 0; i < 300; i++ {
				l.WriteBatch([]nic.Frame{mkFrame(i, 200)})
			}
		}()
		go func() {
			defer wg.Done()
			for i := 0; i < 300; i++ {
				b.WriteBatch([]nic.Frame{mkFrame(i, 200)})
			}
		}()
	}
	rdone := make(chan struct{})
	go func() {
		defer close(rdone)
		buf := make([]nic.Frame, 16)
		for {
			if _, err := l.ReadBatch(buf); err != nil {
				return
			}
		}
	}()
	go func() {
		buf := make([]nic.Frame, 16)
		for {
			if _, err := b.ReadBatch(buf); err != nil {
				return
			}
		}
	}()
	wg.Wait()
	deadline := time.Now().Add(20 * time.Second)
	for {
		tx, rx := l.Counters()
		if tx.Held == 0 && rx.Held == 0 && tx.Offered == 900 && rx.Offered == 900 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	l.Close()
	<-rdone
	tx, rx := l.Counters()
	for _, c := range []Counters{tx, rx} {
		checkBalance(t, c)
		if c.Offered != 900 || c.Held != 0 {
			t.Errorf("counters %+v", c)
		}
	}
}

// TestImpairedZeroAllocs: once its buffers exist, an active direction
// moves frames without allocating.
func TestImpairedZeroAllocs(t *testing.T) {
	a, b := pair(t)
	l := Wrap(a, Profile{TX: Direction{Corrupt: 0.1, Duplicate: 0.1}}, 1) // no loss: the reader must not block
	defer l.Close()
	in := []nic.Frame{mkFrame(1, 1514), mkFrame(2, 60)}
	out := make([]nic.Frame, 8)
	for i := 0; i < 100; i++ {
		l.WriteBatch(in)
		b.ReadBatch(out)
	}
	allocs := testing.AllocsPerRun(500, func() {
		l.WriteBatch(in)
		b.ReadBatch(out)
	})
	if allocs != 0 {
		t.Fatalf("%v allocs per batch", allocs)
	}
}

func BenchmarkImpairedTX(b *testing.B) {
	x, y := memlink.New(memlink.Options{MTU: 1500, QueueLen: 4096})
	defer y.Close()
	l := Wrap(x, Profile{TX: Direction{Loss: 0.01, Corrupt: 0.001}}, 1)
	defer l.Close()
	in := make([]nic.Frame, 32)
	for i := range in {
		in[i] = mkFrame(i, 1514)
	}
	out := make([]nic.Frame, 64)
	b.ReportAllocs()
	for b.Loop() {
		l.WriteBatch(in)
		y.ReadBatch(out)
	}
	b.ReportMetric(float64(b.N*32)/b.Elapsed().Seconds(), "frames/s")
}

func TestNewRejectsInvalid(t *testing.T) {
	a, _ := pair(t)
	if _, err := New(a, Profile{RX: Direction{Loss: -1}}, 1); err == nil {
		t.Fatal("accepted loss -1")
	}
}

// TestInnerClosedReported: a TX-impaired link whose wrapped link was
// closed by someone else reports ErrClosed instead of swallowing writes.
func TestInnerClosedReported(t *testing.T) {
	a, _ := pair(t)
	l := Wrap(a, Profile{TX: Direction{Duplicate: 0.5}}, 1)
	defer l.Close()
	a.Close()
	if _, err := l.WriteBatch([]nic.Frame{mkFrame(0, 60)}); !errors.Is(err, nic.ErrClosed) {
		t.Fatalf("WriteBatch over a closed link: %v", err)
	}
}
