package stack

import (
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/nic/memlink"
)

// Close ends every goroutine the stack started: its receive loop, its
// timer goroutine, and nothing is left behind by sockets or timers.
func TestCloseEndsGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	for i := 0; i < 5; i++ {
		a, b := memlink.Pair(1500, dutMAC, peerMAC)
		sa, err := New(a, Options{Addr: dutNet})
		if err != nil {
			t.Fatal(err)
		}
		sb, err := New(b, Options{Addr: netip.MustParsePrefix("198.18.0.1/24")})
		if err != nil {
			t.Fatal(err)
		}
		ca, _ := sa.ListenUDP(netip.AddrPortFrom(netip.Addr{}, 7))
		cb, _ := sb.ListenUDP(netip.AddrPort{})
		ca.SetReadDeadline(time.Now().Add(time.Hour))
		cb.WriteToUDPAddrPort([]byte("x"), netip.AddrPortFrom(dutIP, 7))
		buf := make([]byte, 10)
		if _, _, err := ca.ReadFromUDPAddrPort(buf); err != nil {
			t.Fatal(err)
		}
		sa.Close()
		sb.Close()
	}
	deadline := time.Now().Add(ioTimeout)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines before, %d after Close:\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(5 * time.Millisecond)
	}
}
