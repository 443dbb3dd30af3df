package memlink

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/nic"
)

var macA, macB = [6]byte{2, 0, 0, 0, 0, 0xa}, [6]byte{2, 0, 0, 0, 0, 0xb}

func frame(i, size int) []byte {
	b := make([]byte, size)
	for j := range b {
		b[j] = byte(i + j)
	}
	return b
}

func TestBothDirections(t *testing.T) {
	a, b := Pair(1500, macA, macB)
	defer a.Close()
	defer b.Close()
	if a.MAC() != macA || b.MAC() != macB || a.MTU() != 1500 {
		t.Fatalf("MAC/MTU: %x %x %d", a.MAC(), b.MAC(), a.MTU())
	}
	for _, dir := range []struct {
		name     string
		src, dst nic.Link
	}{{"a->b", a, b}, {"b->a", b, a}} {
		want := [][]byte{frame(1, 60), frame(2, 1514), frame(3, 14)}
		in := make([]nic.Frame, len(want))
		for i := range want {
			in[i].Data = want[i]
		}
		in[1].Offload = nic.Offload{NeedsChecksum: true, CsumStart: 34, CsumOffset: 16}
		if n, err := dir.src.WriteBatch(in); n != 3 || err != nil {
			t.Fatalf("%s: WriteBatch = %d, %v", dir.name, n, err)
		}
		// Writers may reuse their buffers at once.
		for i := range in {
			in[i].Data[0] ^= 0xff
		}
		out := make([]nic.Frame, 8)
		n, err := dir.dst.ReadBatch(out)
		if n != 3 || err != nil {
			t.Fatalf("%s: ReadBatch = %d, %v", dir.name, n, err)
		}
		for i := range want {
			want[i][0] ^= 0xff
			if !bytes.Equal(out[i].Data, want[i]) {
				t.Errorf("%s: frame %d differs", dir.name, i)
			}
		}
		if out[1].Offload != in[1].Offload || out[0].Offload != (nic.Offload{}) {
			t.Errorf("%s: offload not carried: %+v", dir.name, out[1].Offload)
		}
	}
	sa, sb := a.Stats(), b.Stats()
	if sa.TxFrames != 3 || sa.RxFrames != 3 || sb.TxFrames != 3 || sb.RxFrames != 3 ||
		sa.TxBytes != 60+1514+14 || sb.RxBytes != 60+1514+14 {
		t.Errorf("stats: a %+v b %+v", sa, sb)
	}
}

// TestFullQueueDropsWithoutBlocking fills the peer's queue while the
// reader also holds a batch: the held buffers must stay intact and the
// excess must be dropped and counted.
func TestFullQueueDropsWithoutBlocking(t *testing.T) {
	a, b := New(Options{MTU: 100, MACA: macA, MACB: macB, QueueLen: 8})
	defer a.Close()
	defer b.Close()
	send := func(from, count int) {
		for i := from; i < from+count; i++ {
			a.WriteBatch([]nic.Frame{{Data: frame(i, 50)}})
		}
	}
	send(0, 5)
	out := make([]nic.Frame, 5)
	if n, _ := b.ReadBatch(out); n != 5 {
		t.Fatalf("read %d", n)
	}
	// 5 slots lent, 3 free: of the next 10 frames 3 fit, 7 are dropped.
	send(5, 10)
	for i := 0; i < 5; i++ {
		if !bytes.Equal(out[i].Data, frame(i, 50)) {
			t.Fatalf("lent frame %d overwritten", i)
		}
	}
	if s := b.Stats(); s.RxDropped != 7 {
		t.Fatalf("RxDropped = %d, want 7", s.RxDropped)
	}
	n, _ := b.ReadBatch(out)
	if n != 3 {
		t.Fatalf("second read %d, want 3", n)
	}
	for i := 0; i < n; i++ {
		if !bytes.Equal(out[i].Data, frame(5+i, 50)) {
			t.Fatalf("frame %d wrong after wrap", i)
		}
	}
	if s := a.Stats(); s.TxFrames != 15 || s.TxDropped != 0 {
		t.Fatalf("sender stats %+v", s)
	}
}

func TestTooBig(t *testing.T) {
	a, b := Pair(100, macA, macB)
	defer a.Close()
	defer b.Close()
	n, err := a.WriteBatch([]nic.Frame{{Data: frame(0, 114)}, {Data: frame(0, 115)}})
	if n != 1 || !errors.Is(err, nic.ErrTooBig) {
		t.Fatalf("WriteBatch = %d, %v; want 1, ErrTooBig", n, err)
	}
	// The frame before the bad one was sent, the bad one was not.
	out := make([]nic.Frame, 4)
	if n, err := b.ReadBatch(out); n != 1 || err != nil || len(out[0].Data) != 114 {
		t.Fatalf("peer read %d, %v", n, err)
	}
}

func TestCloseWakesReader(t *testing.T) {
	a, b := Pair(1500, macA, macB)
	defer a.Close()
	done := make(chan error, 1)
	go func() {
		_, err := b.ReadBatch(make([]nic.Frame, 4))
		done <- err
	}()
	b.Close()
	select {
	case err := <-done:
		if !errors.Is(err, nic.ErrClosed) {
			t.Fatalf("ReadBatch after Close: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not wake ReadBatch")
	}
	if _, err := b.WriteBatch([]nic.Frame{{Data: frame(0, 60)}}); !errors.Is(err, nic.ErrClosed) {
		t.Fatalf("WriteBatch on closed end: %v", err)
	}
	// Writes toward a closed peer are accepted and counted as dropped.
	if n, err := a.WriteBatch([]nic.Frame{{Data: frame(0, 60)}}); n != 1 || err != nil {
		t.Fatalf("WriteBatch to closed peer = %d, %v", n, err)
	}
	if s := a.Stats(); s.TxDropped != 1 {
		t.Fatalf("TxDropped = %d", s.TxDropped)
	}
}

// TestConcurrentWriters runs several writers against one reader; every
// frame is either read or counted as dropped. Run with -race.
func TestConcurrentWriters(t *testing.T) {
	a, b := New(Options{MTU: 1500, MACA: macA, MACB: macB, QueueLen: 64})
	const writers, per = 4, 2000
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f := []nic.Frame{{Data: frame(w, 64)}, {Data: frame(w, 64)}}
			for i := 0; i < per/2; i++ {
				a.WriteBatch(f)
			}
		}()
	}
	got := make(chan int)
	go func() {
		total := 0
		out := make([]nic.Frame, 16)
		for {
			n, err := b.ReadBatch(out)
			if err != nil {
				got <- total
				return
			}
			for i := 0; i < n; i++ {
				if len(out[i].Data) != 64 {
					panic(fmt.Sprint("bad length ", len(out[i].Data)))
				}
			}
			total += n
		}
	}()
	wg.Wait()
	// Let the reader drain what is queued, then stop it.
	deadline := time.Now().Add(10 * time.Second)
	for {
		s := b.Stats()
		if s.RxFrames+s.RxDropped == writers*per || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	b.Close()
	total := <-got
	s := b.Stats()
	if uint64(total) != s.RxFrames || s.RxFrames+s.RxDropped != writers*per {
		t.Fatalf("read %d, stats %+v, sent %d", total, s, writers*per)
	}
	a.Close()
}

func TestZeroAllocs(t *testing.T) {
	a, b := Pair(1500, macA, macB)
	defer a.Close()
	defer b.Close()
	in := make([]nic.Frame, 32)
	for i := range in {
		in[i].Data = frame(i, 1514)
	}
	out := make([]nic.Frame, 32)
	allocs := testing.AllocsPerRun(200, func() {
		a.WriteBatch(in)
		b.ReadBatch(out)
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per batch of 32, want 0", allocs)
	}
}

func BenchmarkWriteRead(b *testing.B) {
	x, y := Pair(1500, macA, macB)
	defer x.Close()
	defer y.Close()
	in := make([]nic.Frame, 32)
	for i := range in {
		in[i].Data = frame(i, 1514)
	}
	out := make([]nic.Frame, 32)
	b.SetBytes(32 * 1514)
	b.ReportAllocs()
	for b.Loop() {
		x.WriteBatch(in)
		y.ReadBatch(out)
	}
	b.ReportMetric(float64(b.N*32)/b.Elapsed().Seconds(), "frames/s")
}
