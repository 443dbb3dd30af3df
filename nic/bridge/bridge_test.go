package bridge

import (
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/nic"
	"github.com/tcpbox/tcpbox/nic/impair"
	"github.com/tcpbox/tcpbox/nic/memlink"
)

// ends builds host X - [A bridge B] - host Y over two memlink pairs and
// returns the hosts' links.
func ends(t *testing.T, ab, ba impair.Direction) (x, y *memlink.Link, br *Bridge) {
	t.Helper()
	x, a := memlink.New(memlink.Options{MTU: 1500, MACA: [6]byte{2, 0, 0, 0, 0, 1}, QueueLen: 4096})
	b, y := memlink.New(memlink.Options{MTU: 1500, MACB: [6]byte{2, 0, 0, 0, 0, 2}, QueueLen: 4096})
	br, err := Start(a, b, ab, ba, 3)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { br.Close(); x.Close(); y.Close() })
	return x, y, br
}

func frames(n, size int) []nic.Frame {
	fs := make([]nic.Frame, n)
	for i := range fs {
		fs[i].Data = make([]byte, size)
		fs[i].Data[0], fs[i].Data[1] = byte(i>>8), byte(i)
	}
	return fs
}

// readFor reads from l until want frames came or timeout.
func readFor(l nic.Link, want int, timeout time.Duration) []int {
	ch := make(chan []int, 1)
	go func() {
		var seqs []int
		buf := make([]nic.Frame, 64)
		for len(seqs) < want {
			n, err := l.ReadBatch(buf)
			if err != nil {
				break
			}
			for _, f := range buf[:n] {
				seqs = append(seqs, int(f.Data[0])<<8|int(f.Data[1]))
			}
		}
		ch <- seqs
	}()
	select {
	case s := <-ch:
		return s
	case <-time.After(timeout):
		return nil
	}
}

func TestForwardsBothWays(t *testing.T) {
	x, y, br := ends(t, impair.Direction{}, impair.Direction{})
	x.WriteBatch(frames(100, 80))
	if got := readFor(y, 100, 20*time.Second); len(got) != 100 || got[99] != 99 {
		t.Fatalf("A->B: got %d frames", len(got))
	}
	y.WriteBatch(frames(50, 80))
	if got := readFor(x, 50, 20*time.Second); len(got) != 50 {
		t.Fatalf("B->A: got %d frames", len(got))
	}
	s := br.Stats()
	if s.ABFrames != 100 || s.BAFrames != 50 {
		t.Fatalf("stats %+v", s)
	}
}

// TestImpairsEachDirection: loss only A->B; B->A untouched; what arrives
// is what the counters say passed.
func TestImpairsEachDirection(t *testing.T) {
	x, y, br := ends(t, impair.Direction{Loss: 0.3}, impair.Direction{})
	const n = 1000
	for i := 0; i < n; i += 100 {
		x.WriteBatch(frames(n, 80)[i : i+100])
	}
	// Wait until the bridge has taken all frames, then read what passed.
	deadline := time.Now().Add(20 * time.Second)
	for br.Stats().AB.Offered < n && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	s := br.Stats()
	got := readFor(y, int(s.AB.Passed), 20*time.Second)
	if s.AB.Offered != n || uint64(len(got)) != s.AB.Passed || s.AB.DropLoss+s.AB.Passed != n {
		t.Fatalf("received %d, counters %+v", len(got), s.AB)
	}
	if s.AB.DropLoss < 200 || s.AB.DropLoss > 400 {
		t.Fatalf("lost %d of %d at 30%%", s.AB.DropLoss, n)
	}
	y.WriteBatch(frames(100, 80))
	if got := readFor(x, 100, 20*time.Second); len(got) != 100 {
		t.Fatalf("B->A lost frames: %d", len(got))
	}
}

func TestCloseEndsPumps(t *testing.T) {
	_, _, br := ends(t, impair.Direction{Delay: time.Millisecond}, impair.Direction{})
	done := make(chan error)
	go func() { done <- br.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close hung")
	}
	select {
	case <-br.Done():
	default:
		t.Fatal("Done not closed after Close")
	}
}

// TestPortFailureStopsBridge: a port closed under the bridge stops it.
func TestPortFailureStopsBridge(t *testing.T) {
	x, a := memlink.Pair(1500, [6]byte{2}, [6]byte{4})
	b, y := memlink.Pair(1500, [6]byte{6}, [6]byte{8})
	defer x.Close()
	defer y.Close()
	br, err := Start(a, b, impair.Direction{}, impair.Direction{}, 1)
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	select {
	case <-br.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("bridge still running with a port closed")
	}
	br.Close()
}

func TestStartRejectsBadProfile(t *testing.T) {
	a, b := memlink.Pair(1500, [6]byte{2}, [6]byte{4})
	defer a.Close()
	defer b.Close()
	if _, err := Start(a, b, impair.Direction{Loss: 2}, impair.Direction{}, 1); err == nil {
		t.Fatal("accepted loss 2")
	}
}
