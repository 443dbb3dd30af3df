//go:build tcpglue

package stack

import (
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/stack/tcp"
)

// tcpPipe joins two tcpStacks through a fake lower layer that encodes each
// segment to bytes (checksum included) and delivers it to the other side
// from a goroutine, so the glue is tested without the IPv4 layer, ARP or
// a link. Frames may be dropped by the drop hook.
type tcpPipe struct {
	a, b   *tcpStack
	la, lb *pipeLower
}

type pipeLower struct {
	start time.Time
	addr  netip.Addr
	peer  *pipeLower
	st    *tcpStack
	mtuV  int

	mu     sync.Mutex
	q      [][]byte
	cond   *sync.Cond
	closed bool
	done   chan struct{}
	drop   func(seg []byte) bool // test hook: true drops the segment
	sent   int
}

func (p *pipeLower) now() time.Duration { return time.Since(p.start) }
func (p *pipeLower) mtu(netip.Addr) int { return p.mtuV }
func (p *pipeLower) localAddrFor(netip.Addr) netip.Addr {
	return p.addr
}
func (p *pipeLower) isLocal(a netip.Addr) bool { return a == p.addr }

func (p *pipeLower) sendTCP(src, dst netip.Addr, seg *tcp.Segment) {
	b := make([]byte, tcpSegmentLen(seg))
	b = b[:encodeTCPSegment(b, src, dst, seg)]
	peer := p.peer
	peer.mu.Lock()
	defer peer.mu.Unlock()
	p.sent++
	if peer.closed || (peer.drop != nil && peer.drop(b)) {
		return
	}
	peer.q = append(peer.q, b)
	peer.cond.Signal()
}

// deliver runs the receive loop of one side.
func (p *pipeLower) deliver() {
	defer close(p.done)
	for {
		p.mu.Lock()
		for len(p.q) == 0 && !p.closed {
			p.cond.Wait()
		}
		if p.closed {
			p.mu.Unlock()
			return
		}
		batch := p.q
		p.q = nil
		p.mu.Unlock()
		for _, b := range batch {
			p.st.input(p.st.now(), p.peer.addr, p.addr, b)
		}
	}
}

func newTCPPipe(t testing.TB, cfg tcp.Config) *tcpPipe {
	start := time.Now()
	la := &pipeLower{start: start, addr: netip.MustParseAddr("198.18.0.1"), mtuV: 1500, done: make(chan struct{})}
	lb := &pipeLower{start: start, addr: netip.MustParseAddr("198.18.0.2"), mtuV: 1500, done: make(chan struct{})}
	la.cond, lb.cond = sync.NewCond(&la.mu), sync.NewCond(&lb.mu)
	la.peer, lb.peer = lb, la
	p := &tcpPipe{la: la, lb: lb}
	p.a, p.b = newTCPStack(la, cfg), newTCPStack(lb, cfg)
	la.st, lb.st = p.a, p.b
	go la.deliver()
	go lb.deliver()
	t.Cleanup(func() {
		for _, l := range []*pipeLower{la, lb} {
			l.mu.Lock()
			l.closed = true
			l.cond.Broadcast()
			l.mu.Unlock()
			<-l.done
		}
		p.a.close()
		p.b.close()
	})
	return p
}
