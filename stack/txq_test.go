package stack

import (
	"sync"
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
