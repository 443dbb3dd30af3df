package stack

import (
	"net/netip"
	"runtime"
	"testing"
	"time"
)

func heapInuse() int64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC() // a second cycle frees what the first one's finalizers released
	runtime.ReadMemStats(&m)
	return int64(m.HeapInuse)
}

// TestTCPIdleConnectionMemory measures the stack's own memory per idle
// established connection (TCPConn, tcp.Conn with its buffers as they are
// before any data, demux entry, timer), without any service goroutine,
// between two stacks over memlink. It takes the slope of HeapInuse between
// 500 and 2,500 connections (1,000 and 5,000 endpoints), so fixed costs
// and garbage left by earlier tests cancel out. It fails above 64 KiB
// per endpoint, which would mean buffers are preallocated at full size.
func TestTCPIdleConnectionMemory(t *testing.T) {
	const first, total = 500, 2500
	p := newTCPPair(t, tcpPairOptions{})
	ln, err := p.b.ListenTCP(netip.AddrPortFrom(netip.IPv4Unspecified(), 5003))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cs := make([]*TCPConn, 0, 2*total)
	defer func() {
		for _, c := range cs {
			c.Close()
		}
	}()
	ln.SetDeadline(time.Now().Add(60 * time.Second))
	open := func(n int) {
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
	}
	open(first)
	h1 := heapInuse()
	open(total - first)
	h2 := heapInuse()
	per := (h2 - h1) / int64(2*(total-first))
	t.Logf("memory per idle connection endpoint (stack only): %d bytes", per)
	if per <= 0 || per > 64<<10 {
		t.Errorf("%d bytes per idle connection endpoint", per)
	}
}
