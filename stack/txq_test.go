package stack

import (
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
	replies  int           // echo replies the batch causes
	mu       sync.Mutex
	sawReads int32 // ReadBatch calls begun when the replies were written
}

func (l *pendingLink) ReadBatch(f []nic.Frame) (int, error) {
	switch l.reads.Add(1) {
	case 1:
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

// A batch that causes only bare frames, received while more frames wait,
// is written by the transmit goroutine while the receive goroutine reads
// on; replies with payload, or replies with nothing waiting behind them,
// leave from the receive goroutine before it reads again.
func TestHandOffBareReplies(t *testing.T) {
	for _, tc := range []struct {
		name    string
		size    int // echo payload
		pending bool
		handoff bool
	}{
		{"bare-pending", 8, true, true},
		{"bare-idle", 8, false, false},
		{"payload-pending", 1000, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const echoes = 20
			l := &pendingLink{sinkLink: *newSinkLink(), pending: tc.pending, wait: tc.handoff, second: make(chan struct{}), replies: echoes}
			l.in = append(l.in, nic.Frame{Data: arpFrame(wire.ARPRequest, peerMAC, wire.BroadcastMAC, peerIP, [6]byte{}, dutIP)})
			for i := range echoes {
				l.in = append(l.in, nic.Frame{Data: ipFrame(wire.IPv4Header{Protocol: wire.ProtoICMP}, echoRequest(1, uint16(i), make([]byte, tc.size)))})
			}
			s, err := New(l, Options{Addr: dutNet, Clock: NewManualClock()})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
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
