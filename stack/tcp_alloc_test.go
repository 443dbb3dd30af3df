package stack

import (
	"context"
	"io"
	"net/netip"
	"testing"
	"time"
)

// establishedPair returns a connected pair of TCPConns over memlink: c on
// a (the dialer), s on b (accepted).
func establishedPair(t testing.TB, opts ...TCPOption) (p *tcpPair, c, s *TCPConn) {
	t.Helper()
	p = newTCPPair(t, tcpPairOptions{})
	ln, err := p.b.ListenTCP(netip.AddrPortFrom(netip.IPv4Unspecified(), 5002), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	c, err = p.a.DialTCP(dialCtx(t), netip.AddrPortFrom(p.bAddr, 5002), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	ln.SetDeadline(time.Now().Add(20 * time.Second))
	s, err = ln.AcceptTCP()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return p, c, s
}

// TestTCPEstablishedZeroAllocs: one full segment written on a, carried
// through a's send path (glue, encoding, IPv4, memlink), b's receive path
// (demux, tcp.Conn.Input), read on b, and acknowledged back, allocates
// nothing in steady state.
func TestTCPEstablishedZeroAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop buffers at random")
	}
	_, c, s := establishedPair(t, WithNoDelay(true))
	msg := make([]byte, 1448)
	buf := make([]byte, len(msg))
	round := func() {
		if _, err := c.Write(msg); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(s, buf); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 200; i++ { // warm the pools, buffers and maps
		round()
	}
	allocs := testing.AllocsPerRun(500, round)
	t.Logf("%.3f allocations per segment round", allocs)
	// The average over 500 rounds across every goroutine; a GC cycle or a
	// runtime timer may add a stray allocation, never one per segment.
	if allocs >= 0.1 {
		t.Fatalf("%.2f allocations per segment on the established path", allocs)
	}
}

func BenchmarkTCPEstablishedSegment(b *testing.B) {
	_, c, s := establishedPair(b, WithNoDelay(true))
	msg := make([]byte, 1448)
	buf := make([]byte, len(msg))
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Write(msg); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(s, buf); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTCPStream(b *testing.B) {
	_, c, s := establishedPair(b)
	msg := make([]byte, 64<<10)
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	done := make(chan error, 1)
	go func() {
		buf := make([]byte, 64<<10)
		var total int64
		want := int64(b.N) * int64(len(msg))
		for total < want {
			n, err := s.Read(buf)
			total += int64(n)
			if err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for i := 0; i < b.N; i++ { // b.N, not b.Loop: the reader needs the count up front
		if _, err := c.Write(msg); err != nil {
			b.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		b.Fatal(err)
	}
}

// BenchmarkTCPShortConnection is the bench's connection-rate operation on
// a memlink pair: connect, one 64-byte framed echo, close, with both
// stacks' allocations counted (-benchmem).
func BenchmarkTCPShortConnection(b *testing.B) {
	p := newTCPPair(b, tcpPairOptions{})
	ln, err := p.b.ListenTCP(netip.AddrPortFrom(netip.IPv4Unspecified(), 5003))
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	served := make(chan error, 1)
	go func() { // ends when the listener closes
		buf := make([]byte, 68)
		for {
			s, err := ln.AcceptTCP()
			if err != nil {
				served <- nil
				return
			}
			if _, err := io.ReadFull(s, buf); err == nil {
				_, err = s.Write(buf)
			}
			s.Close()
			if err != nil {
				served <- err
				return
			}
		}
	}()
	msg, resp := make([]byte, 68), make([]byte, 68)
	ctx := context.Background() // no per-dial context: count the stacks only
	b.ReportAllocs()
	for b.Loop() {
		c, err := p.a.DialTCP(ctx, netip.AddrPortFrom(p.bAddr, 5003))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.Write(msg); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(c, resp); err != nil {
			b.Fatal(err)
		}
		c.Close()
	}
	b.StopTimer()
	ln.Close()
	if err := <-served; err != nil {
		b.Fatal(err)
	}
}
