package stack

import (
	"net/netip"
	"runtime"
	"testing"
	"time"
)

// TestTCPIdleConnectionMemory measures the stack's own memory per idle
// established connection (TCPConn, tcp.Conn with its buffers as they are
// before any data, demux entry, timer), without any service goroutine:
// 2,000 connections between two stacks over memlink, HeapInuse delta over
// the 4,000 endpoints. It fails above 64 KiB per endpoint, which would
// mean buffers are preallocated at full size.
func TestTCPIdleConnectionMemory(t *testing.T) {
	const n = 2000
	p := newTCPPair(t, tcpPairOptions{})
	ln, err := p.b.ListenTCP(netip.AddrPortFrom(netip.IPv4Unspecified(), 5003))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	cs := make([]*TCPConn, 0, 2*n)
	ln.SetDeadline(time.Now().Add(60 * time.Second))
	for i := 0; i < n; i++ {
		c, err := p.a.DialTCP(dialCtx(t), netip.AddrPortFrom(p.bAddr, 5003))
		if err != nil {
			t.Fatal(err)
		}
		s, err := ln.AcceptTCP()
		if err != nil {
			t.Fatal(err)
		}
		cs = append(cs, c, s)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	per := (int64(after.HeapInuse) - int64(before.HeapInuse)) / int64(len(cs))
	t.Logf("memory per idle connection endpoint (stack only): %d bytes", per)
	if per > 64<<10 {
		t.Errorf("%d bytes per idle connection", per)
	}
	for _, c := range cs {
		c.Close()
	}
}
