package stack

import (
	"encoding/binary"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/nic"
	"github.com/tcpbox/tcpbox/stack/wire"
)

// batchLink hands the stack one prepared batch of frames, then blocks, and
// records the size of every WriteBatch call.
type batchLink struct {
	sinkLink
	in    []nic.Frame
	once  sync.Once
	mu    sync.Mutex
	calls []int
}

func (l *batchLink) ReadBatch(f []nic.Frame) (int, error) {
	n := 0
	l.once.Do(func() { n = copy(f, l.in) })
	if n > 0 {
		return n, nil
	}
	<-l.closed
	return 0, nic.ErrClosed
}

func (l *batchLink) WriteBatch(f []nic.Frame) (int, error) {
	l.mu.Lock()
	l.calls = append(l.calls, len(f))
	l.mu.Unlock()
	return l.sinkLink.WriteBatch(f)
}

// The replies to one received batch leave in one WriteBatch.
func TestRepliesToABatchLeaveTogether(t *testing.T) {
	l := &batchLink{sinkLink: *newSinkLink()}
	l.in = append(l.in, nic.Frame{Data: arpFrame(wire.ARPRequest, peerMAC, wire.BroadcastMAC, peerIP, [6]byte{}, dutIP)})
	for i := 0; i < 40; i++ {
		l.in = append(l.in, nic.Frame{Data: ipFrame(wire.IPv4Header{Protocol: wire.ProtoICMP}, echoRequest(1, uint16(i), make([]byte, 56)))})
	}
	s, err := New(l, Options{Addr: dutNet, Clock: NewManualClock()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	deadline := time.Now().Add(ioTimeout)
	for s.Stats().EchoReplies < 40 || s.Stats().TxFrames < 42 {
		if time.Now().After(deadline) {
			t.Fatalf("stats %+v", s.Stats())
		}
		time.Sleep(time.Millisecond)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	// The ARP reply and the 40 echo replies share one call; the start
	// announcement goes alone or joins them, depending on which goroutine
	// runs first.
	total, biggest := 0, 0
	for _, n := range l.calls {
		total += n
		biggest = max(biggest, n)
	}
	if total != 42 || biggest < 41 || len(l.calls) > 2 {
		t.Fatalf("WriteBatch calls %v, want the 41 replies in one", l.calls)
	}
}

// pendingLink hands the stack one batch, says whether more frames wait
// (RxPending), and notes for the write carrying the batch's echo replies
// how many ReadBatch calls had begun. With wait set, that write waits up
// to ioTimeout for the second ReadBatch first.
type pendingLink struct {
	sinkLink
	in       []nic.Frame
	pending  bool
	wait     bool
	reads    atomic.Int32
	second   chan struct{} // closed by the second ReadBatch
	gate     chan struct{} // if set, the batch comes once it is closed
	replies  int           // echo replies the batch causes
	mu       sync.Mutex
	sawReads int32 // ReadBatch calls begun when the replies were written
}

func (l *pendingLink) ReadBatch(f []nic.Frame) (int, error) {
	switch l.reads.Add(1) {
	case 1:
		if l.gate != nil {
			<-l.gate
		}
		// The batch comes once the stack's gratuitous ARP is written:
		// were that still being written, the batch's ARP reply (the
		// same flow to the transmit queue) would be left to txWorker,
		// whatever the test case.
		for end := time.Now().Add(ioTimeout); time.Now().Before(end); time.Sleep(time.Millisecond) {
			l.sinkLink.mu.Lock()
			n := l.sinkLink.n
			l.sinkLink.mu.Unlock()
			if n > 0 {
				break
			}
		}
		return copy(f, l.in), nil
	case 2:
		close(l.second)
	}
	<-l.closed
	return 0, nic.ErrClosed
}

func (l *pendingLink) RxPending() bool { return l.pending }

func (l *pendingLink) WriteBatch(f []nic.Frame) (int, error) {
	if len(f) >= l.replies {
		if l.wait {
			select {
			case <-l.second:
			case <-time.After(ioTimeout):
			}
		}
		l.mu.Lock()
		l.sawReads = l.reads.Load()
		l.mu.Unlock()
	}
	return l.sinkLink.WriteBatch(f)
}

// A batch that causes only bare frames, received while more frames wait
// or while the transmit goroutine busy-polls for work, is written by the
// transmit goroutine while the receive goroutine reads on; replies with
// payload, or replies with nothing waiting behind them and the transmit
// goroutine asleep, leave from the receive goroutine before it reads
// again.
func TestHandOffBareReplies(t *testing.T) {
	for _, tc := range []struct {
		name    string
		size    int // echo payload
		pending bool
		polling bool // txWorker busy-polls (Options.TxBusyPoll) when the batch comes
		handoff bool
	}{
		{"bare-pending", 8, true, false, true},
		{"bare-idle", 8, false, false, false},
		{"bare-idle-polling", 8, false, true, true},
		{"payload-pending", 1000, true, false, false},
		{"payload-polling", 1000, false, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const echoes = 20
			l := &pendingLink{sinkLink: *newSinkLink(), pending: tc.pending, wait: tc.handoff, second: make(chan struct{}), replies: echoes}
			l.in = append(l.in, nic.Frame{Data: arpFrame(wire.ARPRequest, peerMAC, wire.BroadcastMAC, peerIP, [6]byte{}, dutIP)})
			for i := range echoes {
				l.in = append(l.in, nic.Frame{Data: ipFrame(wire.IPv4Header{Protocol: wire.ProtoICMP}, echoRequest(1, uint16(i), make([]byte, tc.size)))})
			}
			o := Options{Addr: dutNet, Clock: NewManualClock()}
			if tc.polling {
				l.gate = make(chan struct{})
				o.TxBusyPoll = time.Second
			}
			s, err := New(l, o)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if tc.polling {
				// One kick (not counted as a hand-off) starts txWorker
				// polling; the batch comes once it does.
				s.txq.kick <- struct{}{}
				waitFor(t, "txWorker polling", s.txq.polling.Load)
				close(l.gate)
			}
			deadline := time.Now().Add(2 * ioTimeout)
			for s.Stats().TxFrames < echoes+1 {
				if time.Now().After(deadline) {
					t.Fatalf("stats %+v", s.Stats())
				}
				time.Sleep(time.Millisecond)
			}
			l.mu.Lock()
			saw := l.sawReads
			l.mu.Unlock()
			handoffs := s.Stats().TxHandoffs
			if polled := s.Stats().TxBusyPolled; polled != map[bool]uint64{false: 0, true: 1}[tc.polling && tc.handoff] {
				t.Fatalf("txWorker found %d batches by polling", polled)
			}
			if tc.handoff {
				if handoffs != 1 || saw != 2 {
					t.Fatalf("%d hand-offs, replies written after %d reads; want 1 hand-off, the replies written while the receive goroutine read on", handoffs, saw)
				}
				return
			}
			if handoffs != 0 || saw != 1 {
				t.Fatalf("%d hand-offs, replies written after %d reads; want them written by the receive goroutine before it read again", handoffs, saw)
			}
		})
	}
}

// overlapLink holds each WriteBatch until another call is inside
// WriteBatch too, or until hold passes, and records the marker byte of
// every frame in the order the frames were written, and how many calls
// were inside at once at most.
type overlapLink struct {
	sinkLink
	hold      time.Duration
	mu        sync.Mutex
	inside    int
	maxInside int
	order     []byte
}

func (l *overlapLink) WriteBatch(f []nic.Frame) (int, error) {
	if len(f[0].Data) != len(txFrame([4]byte{}, 0, 0)) {
		return len(f), nil // the stack's own (an ARP announcement)
	}
	l.mu.Lock()
	l.inside++
	l.maxInside = max(l.maxInside, l.inside)
	l.mu.Unlock()
	for end := time.Now().Add(l.hold); time.Now().Before(end); time.Sleep(time.Millisecond) {
		l.mu.Lock()
		both := l.inside > 1
		l.mu.Unlock()
		if both {
			break
		}
	}
	l.mu.Lock()
	for _, fr := range f {
		l.order = append(l.order, fr.Data[len(fr.Data)-1])
	}
	l.inside--
	l.mu.Unlock()
	return len(f), nil
}

// txFrame is an Ethernet frame with an IPv4 header and TCP ports for the
// flow (dst, port), then the marker byte.
func txFrame(dst [4]byte, port uint16, marker byte) []byte {
	f := make([]byte, wire.EthernetHeaderLen+wire.IPv4MinHeaderLen+4+1)
	binary.BigEndian.PutUint16(f[12:], wire.EtherTypeIPv4)
	ip := f[wire.EthernetHeaderLen:]
	ip[0], ip[9] = 0x45, wire.ProtoTCP
	copy(ip[16:20], dst[:])
	binary.BigEndian.PutUint16(ip[20:], 80)
	binary.BigEndian.PutUint16(ip[22:], port)
	f[len(f)-1] = marker
	return f
}

// Batches of different flows are written side by side; a batch that
// shares a flow with one being written waits for it, so the flow's
// frames leave in the order they were queued.
func TestTxBatchesOrderedPerFlow(t *testing.T) {
	a := txFrame([4]byte{198, 18, 0, 1}, 40000, 'a')
	other := txFrame([4]byte{198, 18, 0, 1}, 40001, 'b')
	if flowBit(a) == flowBit(other) {
		t.Fatal("the two flows share a bit; pick other ports")
	}
	for _, tc := range []struct {
		name    string
		second  []byte
		overlap bool
	}{
		{"other-flow", other, true},
		{"same-flow", txFrame([4]byte{198, 18, 0, 1}, 40000, 'b'), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := &overlapLink{sinkLink: *newSinkLink(), hold: 300 * time.Millisecond}
			s, err := New(l, Options{Addr: dutNet, Clock: NewManualClock()})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			push := func(f []byte) {
				b := s.newBuffer(len(f))
				copy(b.Bytes(), f)
				s.txq.push(s, b)
			}
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				push(a) // no holder: written at once, held by the link
			}()
			waitFor(t, "the first batch inside WriteBatch", func() bool {
				l.mu.Lock()
				defer l.mu.Unlock()
				return l.inside == 1
			})
			push(tc.second)
			wg.Wait()
			l.mu.Lock()
			defer l.mu.Unlock()
			if got := string(l.order); tc.overlap && l.maxInside != 2 || !tc.overlap && (l.maxInside != 1 || got != "ab") {
				t.Fatalf("frames written %q, at most %d calls at once; want overlap %v, and a before b in one flow", got, l.maxInside, tc.overlap)
			}
		})
	}
}

// flowBit spreads flows over its 64 bits and keeps frames that are not
// IPv4 in one.
func TestFlowBitSpreads(t *testing.T) {
	seen := map[uint64]int{}
	for p := range 256 {
		seen[flowBit(txFrame([4]byte{198, 18, 0, byte(p)}, uint16(40000+p), 0))]++
	}
	if len(seen) < 48 {
		t.Fatalf("256 flows fell on %d of 64 bits", len(seen))
	}
	if flowBit(arpFrame(wire.ARPRequest, peerMAC, wire.BroadcastMAC, peerIP, [6]byte{}, dutIP)) != 1 {
		t.Fatal("an ARP frame is not on bit 0")
	}
}

// slowLink takes 200 us per WriteBatch and counts the frames it was
// given.
type slowLink struct {
	sinkLink
	mu     sync.Mutex
	frames int
}

func (l *slowLink) WriteBatch(f []nic.Frame) (int, error) {
	time.Sleep(200 * time.Microsecond)
	l.mu.Lock()
	l.frames += len(f)
	l.mu.Unlock()
	return len(f), nil
}

// Many goroutines sending at once through a slow link: every frame is
// written, and afterwards the queue keeps at most maxFree batches, none
// grown past txBatch frames.
func TestTxQueueKeepsLittle(t *testing.T) {
	l := &slowLink{sinkLink: *newSinkLink()}
	s, err := New(l, Options{Addr: dutNet, Clock: NewManualClock()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const senders, each = 500, 16
	var wg sync.WaitGroup
	for g := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				f := txFrame([4]byte{198, 18, byte(g >> 8), byte(g)}, uint16(i%3), 0)
				b := s.newBuffer(len(f))
				copy(b.Bytes(), f)
				s.txq.push(s, b)
			}
		}()
	}
	wg.Wait()
	q := &s.txq
	q.mu.Lock()
	kept, largest := len(q.free), 0
	for _, c := range q.free {
		largest = max(largest, cap(c.bufs), cap(c.frames))
	}
	q.mu.Unlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.frames < senders*each || kept > maxFree || largest > txBatch {
		t.Fatalf("%d of %d frames written; %d batches kept (max %d), the largest for %d frames (max %d)",
			l.frames, senders*each, kept, maxFree, largest, txBatch)
	}
}

// txWorker busy-polls for Options.TxBusyPoll after a batch, then sleeps;
// without the option it never polls.
func TestTxWorkerPollsThenSleeps(t *testing.T) {
	for _, d := range []time.Duration{0, 20 * time.Millisecond} {
		s, err := New(newSinkLink(), Options{Addr: dutNet, Clock: NewManualClock(), TxBusyPoll: d})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		s.txq.kick <- struct{}{}
		polled := false
		for end := time.Now().Add(ioTimeout); time.Now().Before(end); time.Sleep(100 * time.Microsecond) {
			if s.txq.polling.Load() {
				polled = true
			} else if polled || (d == 0 && time.Since(start) > 50*time.Millisecond) {
				break
			}
		}
		took := time.Since(start)
		stillPolling := s.txq.polling.Load()
		s.Close()
		if polled != (d > 0) || stillPolling {
			t.Fatalf("TxBusyPoll %v: polled %v, still polling after %v %v", d, polled, took, stillPolling)
		}
		if d > 0 && took < d {
			t.Fatalf("TxBusyPoll %v: stopped polling after %v", d, took)
		}
	}
	if _, err := New(newSinkLink(), Options{Addr: dutNet, TxBusyPoll: -time.Second}); err == nil {
		t.Fatal("a negative TxBusyPoll was accepted")
	}
}
