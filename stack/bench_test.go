package stack

import (
	"net/netip"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/nic/memlink"
)

// BenchmarkUDPRoundTrip is one request/response between two whole stacks
// over memlink: send, the other stack's receive goroutine, its socket,
// an echo back, and the first stack's socket. It reports round trips per
// second, the figure an RFC 862 echo test would see in memory.
func BenchmarkUDPRoundTrip(b *testing.B) {
	la, lb := memlink.Pair(1500, dutMAC, peerMAC)
	sa, err := New(la, Options{Addr: dutNet})
	if err != nil {
		b.Fatal(err)
	}
	defer sa.Close()
	sb, err := New(lb, Options{Addr: netip.MustParsePrefix("198.18.0.1/24")})
	if err != nil {
		b.Fatal(err)
	}
	defer sb.Close()
	echo, _ := sb.ListenUDP(netip.AddrPortFrom(netip.Addr{}, 7))
	go func() {
		buf := make([]byte, 2048)
		for {
			n, from, err := echo.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			echo.WriteToUDPAddrPort(buf[:n], from)
		}
	}()
	c, _ := sa.ListenUDP(netip.AddrPort{})
	to := netip.AddrPortFrom(peerIP, 7)
	p := make([]byte, 64)
	buf := make([]byte, 2048)
	// The first exchange resolves ARP.
	c.SetReadDeadline(time.Now().Add(ioTimeout))
	c.WriteToUDPAddrPort(p, to)
	if _, _, err := c.ReadFromUDPAddrPort(buf); err != nil {
		b.Fatal(err)
	}
	c.SetReadDeadline(time.Time{})
	b.ReportAllocs()
	for b.Loop() {
		c.WriteToUDPAddrPort(p, to)
		if _, _, err := c.ReadFromUDPAddrPort(buf); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "roundtrips/s")
}
