package stack

import (
	"context"
	"io"
	"net/netip"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/stack/tcp/cc"
)

// TestTCPTrace: a dial WithTrace(n) keeps a bounded per-ACK trace that
// Stack.TCPTrace finds by the connection's tcp.Info ID; without the
// option there is none.
func TestTCPTrace(t *testing.T) {
	p := newTCPPair(t, tcpPairOptions{})
	ln, err := p.b.ListenTCP(netip.AddrPortFrom(p.bAddr, 9))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		io.Copy(io.Discard, c)
		c.Close()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := p.a.DialTCP(ctx, netip.AddrPortFrom(p.bAddr, 9), WithTrace(16))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	buf := make([]byte, 64<<10)
	for i := 0; i < 16; i++ {
		if _, err := c.Write(buf); err != nil {
			t.Fatal(err)
		}
	}
	id := c.TCPInfo().ID
	deadline := time.Now().Add(20 * time.Second)
	for c.TCPInfo().BytesAcked < 16*64<<10 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	tr, ok := p.a.TCPTrace(id)
	if !ok || len(tr) != 16 {
		t.Fatalf("trace of %d points (found %v), want the ring's 16", len(tr), ok)
	}
	for i, pt := range tr {
		if pt.Cwnd <= 0 || (i > 0 && pt.At < tr[i-1].At) {
			t.Fatalf("point %d: %+v", i, pt)
		}
	}
	// The history covers the connection from its first data to now in
	// intervals of 100 ms (a short transfer: no merge yet), and its
	// delivered count reached everything acknowledged.
	d, ok := p.a.TCPTraceData(id)
	if !ok || len(d.History) == 0 || d.Interval != cc.HistoryInterval || len(d.Points) != 16 {
		t.Fatalf("trace data: found %v, %d history points of %v, %d trace points", ok, len(d.History), d.Interval, len(d.Points))
	}
	first, last := d.History[0], d.History[len(d.History)-1]
	if first.At < d.Opened || last.At > d.Now || last.Delivered < 16*64<<10 || last.Cwnd != int32(d.Points[15].Cwnd) {
		t.Fatalf("history %+v .. %+v, opened %v, now %v, last trace point %+v", first, last, d.Opened, d.Now, d.Points[15])
	}
	if _, ok := p.a.TCPTraceData(id + 1000); ok {
		t.Fatal("trace data for an unknown id")
	}
	if _, ok := p.a.TCPTrace(id + 1000); ok {
		t.Fatal("a trace for an unknown id")
	}
	for _, in := range p.b.TCPConnections() {
		if tr, ok := p.b.TCPTrace(in.ID); !ok || len(tr) != 0 {
			t.Fatalf("connection without WithTrace: %d points, found %v", len(tr), ok)
		}
	}
	if _, err := p.a.DialTCP(ctx, netip.AddrPortFrom(p.bAddr, 9), WithTrace(-1)); err == nil {
		t.Fatal("WithTrace(-1) accepted")
	}
}
