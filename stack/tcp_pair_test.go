package stack

import (
	"net/netip"
	"testing"

	"github.com/tcpbox/tcpbox/nic"
	"github.com/tcpbox/tcpbox/nic/memlink"
)

// tcpPair is the workhorse of the glue's tests: two whole stacks, a
// (198.18.0.1) and b (198.18.0.2), joined by a memlink pair, optionally
// through wrappers (impairment, capture) that wrap gives each end.
type tcpPair struct {
	a, b         *Stack
	aAddr, bAddr netip.Addr
}

type tcpPairOptions struct {
	clock Clock // nil: the real clock
	mtu   int
	wrap  func(a, b nic.Link) (nic.Link, nic.Link)
	queue int
}

func newTCPPair(t testing.TB, o tcpPairOptions) *tcpPair {
	t.Helper()
	if o.mtu == 0 {
		o.mtu = 1500
	}
	la, lb := memlink.New(memlink.Options{MTU: o.mtu, MACA: peerMAC, MACB: dutMAC, QueueLen: o.queue})
	var a, b nic.Link = la, lb
	if o.wrap != nil {
		a, b = o.wrap(a, b)
	}
	p := &tcpPair{aAddr: peerIP, bAddr: dutIP}
	var err error
	p.a, err = New(a, Options{Addr: netip.PrefixFrom(peerIP, 24), Clock: o.clock})
	if err != nil {
		t.Fatal(err)
	}
	p.b, err = New(b, Options{Addr: netip.PrefixFrom(dutIP, 24), Clock: o.clock})
	if err != nil {
		p.a.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.a.Close()
		p.b.Close()
	})
	return p
}

// dump logs both stacks' connections, for a failing test.
func (p *tcpPair) dump(t testing.TB) {
	t.Helper()
	for name, s := range map[string]*Stack{"a": p.a, "b": p.b} {
		st := s.Stats()
		t.Logf("%s link: %+v", name, st.Link)
		for r, n := range st.Drops {
			if n != 0 {
				t.Logf("%s drop %v: %d", name, DropReason(r), n)
			}
		}
		for _, i := range s.TCPConnections() {
			t.Logf("%s %v %v->%v una=%d nxt=%d swnd=%d rnxt=%d rwnd=%d notsent=%d unacked=%d rto=%v backoff=%d retx=%d totretx=%d fast=%d rtoretx=%d cwnd=%d ssthresh=%d in=%d out=%d probes=%d ca=%s",
				name, i.State, i.Local, i.Remote, i.SndUna-i.ISS, i.SndNxt-i.ISS, i.SndWnd, i.RcvNxt-i.IRS, i.RcvWnd, i.NotSentBytes, i.Unacked,
				i.RTO, i.Backoff, i.Retransmits, i.TotalRetrans, i.FastRetrans, i.RTORetrans, i.Cwnd, i.Ssthresh, i.BytesReceived, i.BytesAcked, i.Probes, i.CAState)
		}
	}
}
