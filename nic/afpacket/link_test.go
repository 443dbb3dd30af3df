//go:build linux

package afpacket

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/hack/testbed"
	"github.com/tcpbox/tcpbox/nic"
)

// testType is the IEEE local experimental EtherType 1 (IEEE 802-2014
// §9.2.4): nothing in the kernel answers or sends it.
const testType = 0x88b5

// bed is two namespaces joined by a veth, with the kernel kept quiet on
// both ends, and a Link open on each.
type bed struct {
	a, b   *testbed.NS
	la, lb *Link
}

func newBed(t testing.TB, oa, ob Options) *bed {
	t.Helper()
	testbed.Require(t, "ethtool")
	a, b := testbed.NewNS(t, "a"), testbed.NewNS(t, "b")
	testbed.Veth(t, a, "veth0", b, "veth0", 1500)
	a.Quiet(t, "veth0")
	b.Quiet(t, "veth0")
	if ringMode {
		oa.Ring, ob.Ring = true, true
	}
	if recvmmsgMode {
		oa.Recvmmsg, ob.Recvmmsg = true, true
	}
	bd := &bed{a: a, b: b}
	bd.la = openIn(t, a, "veth0", oa)
	bd.lb = openIn(t, b, "veth0", ob)
	return bd
}

func openIn(t testing.TB, ns *testbed.NS, ifname string, o Options) *Link {
	t.Helper()
	var l *Link
	if err := ns.Do(func() (err error) {
		l, err = Open(ifname, o)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// testFrame is an Ethernet frame of our test type carrying seq.
func testFrame(dst, src [6]byte, seq, size int) []byte {
	f := make([]byte, size)
	copy(f[0:], dst[:])
	copy(f[6:], src[:])
	binary.BigEndian.PutUint16(f[12:], testType)
	binary.BigEndian.PutUint32(f[14:], uint32(seq))
	for i := 18; i < size; i++ {
		f[i] = byte(seq + i)
	}
	return f
}

// collect reads test frames until want arrived or the timeout passed,
// skipping anything else the kernel may send.
func collect(t *testing.T, l nic.Link, want int, timeout time.Duration) [][]byte {
	t.Helper()
	ch := make(chan [][]byte, 1)
	go func() {
		var got [][]byte
		buf := make([]nic.Frame, 32)
		for len(got) < want {
			n, err := l.ReadBatch(buf)
			if err != nil {
				break
			}
			for _, f := range buf[:n] {
				if len(f.Data) >= 18 && binary.BigEndian.Uint16(f.Data[12:]) == testType {
					got = append(got, append([]byte(nil), f.Data...))
				}
			}
		}
		ch <- got
	}()
	select {
	case got := <-ch:
		return got
	case <-time.After(timeout):
		return nil
	}
}

func send(t *testing.T, l *Link, frames ...[]byte) {
	t.Helper()
	fs := make([]nic.Frame, len(frames))
	for i := range frames {
		fs[i].Data = frames[i]
	}
	if n, err := l.WriteBatch(fs); n != len(fs) || err != nil {
		t.Fatalf("WriteBatch = %d, %v", n, err)
	}
}

func TestExchangeBothWays(t *testing.T) {
	bd := newBed(t, Options{}, Options{})
	for _, dir := range []struct {
		name     string
		from, to *Link
	}{{"a->b", bd.la, bd.lb}, {"b->a", bd.lb, bd.la}} {
		const n = 200
		var frames [][]byte
		for i := 0; i < n; i++ {
			frames = append(frames, testFrame(dir.to.MAC(), dir.from.MAC(), i, 60+i*7))
		}
		got := make(chan [][]byte, 1)
		go func() { got <- collect(t, dir.to, n, 20*time.Second) }()
		for i := 0; i < n; i += 50 {
			send(t, dir.from, frames[i:i+50]...)
		}
		recv := <-got
		if len(recv) != n {
			t.Fatalf("%s: received %d of %d", dir.name, len(recv), n)
		}
		for i := range recv {
			if !bytes.Equal(recv[i], frames[i]) {
				t.Fatalf("%s: frame %d differs", dir.name, i)
			}
		}
	}
	sa, sb := bd.la.Stats(), bd.lb.Stats()
	if sa.TxFrames != 200 || sb.TxFrames != 200 || sa.RxFrames < 200 || sb.RxFrames < 200 {
		t.Errorf("stats a %+v b %+v", sa, sb)
	}
}

// TestFilter: frames to another unicast MAC never reach ReadBatch;
// broadcast and multicast do; a link opened with another MAC gets frames
// to that MAC and not to the interface's.
func TestFilter(t *testing.T) {
	stackMAC := [6]byte{0x02, 0x77, 0, 0, 0, 1}
	bd := newBed(t, Options{}, Options{MAC: stackMAC})
	other := [6]byte{0x02, 0x99, 0, 0, 0, 9}
	bcast := [6]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	mcast := [6]byte{0x01, 0x00, 0x5e, 0, 0, 1}
	var ifMAC [6]byte
	bd.b.Do(func() error {
		ifMAC = ifaceMAC(t, "veth0")
		return nil
	})
	src := bd.la.MAC()
	got := make(chan [][]byte, 1)
	go func() { got <- collect(t, bd.lb, 3, 20*time.Second) }()
	send(t, bd.la,
		testFrame(other, src, 1, 60),
		testFrame(ifMAC, src, 2, 60), // the interface's MAC, not the stack's
		testFrame(bcast, src, 3, 60),
		testFrame(other, src, 4, 60),
		testFrame(mcast, src, 5, 60),
		testFrame(stackMAC, src, 6, 60),
	)
	recv := <-got
	var seqs []uint32
	for _, f := range recv {
		seqs = append(seqs, binary.BigEndian.Uint32(f[14:]))
	}
	if len(seqs) != 3 || seqs[0] != 3 || seqs[1] != 5 || seqs[2] != 6 {
		t.Fatalf("received seqs %v, want [3 5 6]", seqs)
	}
	// Nothing else is pending: a frame sent now is the next one read.
	go func() { got <- collect(t, bd.lb, 1, 20*time.Second) }()
	send(t, bd.la, testFrame(other, src, 7, 60), testFrame(stackMAC, src, 8, 60))
	if recv := <-got; len(recv) != 1 || binary.BigEndian.Uint32(recv[0][14:]) != 8 {
		t.Fatalf("filter let an unwanted frame through: %d frames", len(recv))
	}
}

func ifaceMAC(t *testing.T, name string) [6]byte {
	l, err := Open(name, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.MAC()
}

// TestDropsCounted stalls the reader behind a small socket buffer: what
// the kernel could not queue shows in RxDropped, and every frame sent is
// either read or counted.
func TestDropsCounted(t *testing.T) {
	// A small socket buffer, or a small ring in ring modes.
	bd := newBed(t, Options{}, Options{RcvBuf: 64 << 10, RingBlockSize: 128 << 10, RingBlocks: 2, FrameRingSlots: 64})
	const n = 2000
	for i := 0; i < n; i += 50 {
		batch := make([][]byte, 50)
		for j := range batch {
			batch[j] = testFrame(bd.lb.MAC(), bd.la.MAC(), i+j, 1000)
		}
		send(t, bd.la, batch...)
	}
	if s := bd.la.Stats(); s.TxDropped != 0 {
		t.Fatalf("sender dropped %d", s.TxDropped)
	}
	// Read what was queued, until every frame is accounted for; none may
	// be read twice (the V3 reader once went round its two blocks in one
	// call and read the first again before handing it back).
	var read, twice atomic.Int64
	var seen [n]atomic.Bool
	go func() {
		buf := make([]nic.Frame, 32)
		for {
			n, err := bd.lb.ReadBatch(buf)
			if err != nil {
				return
			}
			for _, f := range buf[:n] {
				if binary.BigEndian.Uint16(f.Data[12:]) == testType {
					read.Add(1)
					if seq := binary.BigEndian.Uint32(f.Data[14:]); seq < uint32(n) && seen[seq].Swap(true) {
						twice.Add(1)
					}
				}
			}
		}
	}()
	var s nic.Stats
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		s = bd.lb.Stats()
		if uint64(read.Load())+s.RxDropped >= n {
			break
		}
	}
	bd.lb.Close()
	if s.RxDropped == 0 {
		t.Fatalf("no drops counted with a stalled reader: %+v", s)
	}
	if k := twice.Load(); k != 0 {
		t.Fatalf("%d frames read twice", k)
	}
	if uint64(read.Load())+s.RxDropped != n {
		t.Fatalf("read %d + dropped %d != sent %d", read.Load(), s.RxDropped, n)
	}
	t.Logf("read %d, dropped %d", read.Load(), s.RxDropped)
}

func TestTooBig(t *testing.T) {
	bd := newBed(t, Options{}, Options{})
	ok := testFrame(bd.lb.MAC(), bd.la.MAC(), 1, 1514)
	big := testFrame(bd.lb.MAC(), bd.la.MAC(), 2, 1515)
	n, err := bd.la.WriteBatch([]nic.Frame{{Data: ok}, {Data: big}})
	if n != 1 || !errors.Is(err, nic.ErrTooBig) {
		t.Fatalf("WriteBatch = %d, %v; want 1, ErrTooBig", n, err)
	}
	if got := collect(t, bd.lb, 1, 20*time.Second); len(got) != 1 || len(got[0]) != 1514 {
		t.Fatalf("the frame before the oversize one did not arrive")
	}
}

// TestCloseWhileFramesHeld: the stack closes its link from another
// goroutine while its receive loop may still be working on the last
// batch, whose frames lie in the ring. Close must leave them readable
// (it unmapped the ring under them, and the reader faulted) until the
// reader's next ReadBatch, which reports the link closed.
func TestCloseWhileFramesHeld(t *testing.T) {
	bd := newBed(t, Options{}, Options{})
	want := testFrame(bd.lb.MAC(), bd.la.MAC(), 7, 1000)
	send(t, bd.la, want)
	frames := make([]nic.Frame, 8)
	got := make(chan *nic.Frame, 1)
	go func() {
		for {
			n, err := bd.lb.ReadBatch(frames)
			if err != nil {
				got <- nil
				return
			}
			for i := range frames[:n] {
				if d := frames[i].Data; len(d) >= 18 && binary.BigEndian.Uint16(d[12:]) == testType {
					got <- &frames[i] // held: no ReadBatch until the test is done with it
					return
				}
			}
		}
	}()
	var f *nic.Frame
	select {
	case f = <-got:
	case <-time.After(10 * time.Second):
		t.Fatal("the test frame did not arrive")
	}
	if f == nil {
		t.Fatal("ReadBatch failed")
	}
	if err := bd.lb.Close(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(f.Data, want) {
		t.Fatal("the held frame changed under Close")
	}
	if _, err := bd.lb.ReadBatch(frames); !errors.Is(err, nic.ErrClosed) {
		t.Fatalf("ReadBatch after Close: %v", err)
	}
	if bd.lb.ringMem != nil {
		t.Fatal("the ring is still mapped after the reader's last ReadBatch")
	}
}

func TestCloseWakesReader(t *testing.T) {
	bd := newBed(t, Options{}, Options{})
	done := make(chan error, 1)
	go func() {
		_, err := bd.lb.ReadBatch(make([]nic.Frame, 8))
		done <- err
	}()
	time.Sleep(20 * time.Millisecond) // either order must work; this makes the blocked case likely
	bd.lb.Close()
	select {
	case err := <-done:
		if !errors.Is(err, nic.ErrClosed) {
			t.Fatalf("ReadBatch: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not wake ReadBatch")
	}
	if _, err := bd.lb.WriteBatch([]nic.Frame{{Data: make([]byte, 60)}}); !errors.Is(err, nic.ErrClosed) {
		t.Fatalf("WriteBatch after Close: %v", err)
	}
}

// Concurrent WriteBatch calls each use vectors of their own: frames from
// several goroutines at once all arrive whole, each goroutine's in its
// order, and the transmit counters add up.
func TestConcurrentWriters(t *testing.T) {
	bd := newBed(t, Options{}, Options{})
	const writers, batches, per = 6, 40, 8 // more writers than maxTxStates
	const n = writers * batches * per
	got := make(chan [][]byte, 1)
	go func() { got <- collect(t, bd.lb, n, 30*time.Second) }()
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				fs := make([]nic.Frame, per)
				for i := range fs {
					seq := w<<16 | (b*per + i)
					fs[i].Data = testFrame(bd.lb.MAC(), bd.la.MAC(), seq, 60+(seq%1400))
				}
				if k, err := bd.la.WriteBatch(fs); k != per || err != nil {
					errs <- fmt.Errorf("writer %d: WriteBatch = %d, %v", w, k, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	recv := <-got
	if len(recv) != n {
		t.Fatalf("received %d of %d frames", len(recv), n)
	}
	next := make([]int, writers)
	for _, f := range recv {
		seq := int(binary.BigEndian.Uint32(f[14:]))
		w, i := seq>>16, seq&0xffff
		if w >= writers || i != next[w] || !bytes.Equal(f, testFrame(bd.lb.MAC(), bd.la.MAC(), seq, 60+(seq%1400))) {
			t.Fatalf("frame %#x: writer %d's frame %d expected, or its bytes differ", seq, w, next[min(w, writers-1)])
		}
		next[w]++
	}
	if st := bd.la.Stats(); st.TxFrames != n || st.TxDropped != 0 {
		t.Fatalf("stats %+v; want %d frames sent, none dropped", st, n)
	}
}
