package stack

import (
	"io"
	"net"
	"net/netip"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestTCPKernelSynFlood: a bounded flood of 100,000 SYNs from a raw socket
// in the kernel's namespace (random source ports) hits tcpbox's echo port
// while an established connection keeps echoing and new kernel
// connections are opened; the small backlog overflows, so the new ones
// get through on SYN cookies (RFC 4987 §3.6).
func TestTCPKernelSynFlood(t *testing.T) {
	const floodCount = 100000
	b := newKernelBed(t, kernelBedOptions{snapLen: 96})
	b.serveEcho(t, WithBacklog(64))
	dial := func() (net.Conn, error) {
		var c net.Conn
		err := b.Peer.Do(func() (err error) {
			c, err = net.DialTimeout("tcp4", b.dut.String()+":7", 20*time.Second)
			return err
		})
		return c, err
	}
	est, err := dial()
	if err != nil {
		t.Fatal(err)
	}
	defer est.Close()

	var fd int
	if err := b.Peer.Do(func() (err error) { fd, err = rawSocket(); return err }); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	type floodResult struct {
		sent int
		took time.Duration
		err  error
	}
	flooded := make(chan floodResult, 1)
	go func() {
		start := time.Now()
		// Spoofed sources on the link that nobody owns (198.18.0.128/25):
		// tcpbox's SYN-ACKs go unanswered, as in a real flood, so its SYN
		// queue stays full and it must turn to cookies.
		n, err := synFlood(fd, netip.MustParsePrefix("198.18.0.128/25"), netip.AddrPortFrom(b.dut, 7), floodCount, 60*time.Second, 1)
		flooded <- floodResult{n, time.Since(start), err}
	}()

	// While the flood runs: the established connection answers, and new
	// connections open and echo.
	echoes, fresh := 0, 0
	var worst time.Duration
	buf := make([]byte, 64)
	var res floodResult
	for done := false; !done; {
		select {
		case res = <-flooded:
			done = true
		default:
		}
		msg := []byte("still here")
		est.SetDeadline(time.Now().Add(20 * time.Second))
		t0 := time.Now()
		if _, err := est.Write(msg); err != nil {
			t.Fatalf("established echo during flood: %v", err)
		}
		if _, err := io.ReadFull(est, buf[:len(msg)]); err != nil {
			t.Fatalf("established echo during flood: %v", err)
		}
		worst = max(worst, time.Since(t0))
		echoes++
		if !done {
			c, err := dial()
			if err != nil {
				t.Fatalf("new connection during flood (after %d): %v", fresh, err)
			}
			c.SetDeadline(time.Now().Add(20 * time.Second))
			if _, err := c.Write(msg); err != nil {
				t.Fatal(err)
			}
			if _, err := io.ReadFull(c, buf[:len(msg)]); err != nil {
				t.Fatalf("echo on a connection opened during the flood: %v", err)
			}
			c.Close()
			fresh++
		}
	}
	if res.err != nil {
		t.Fatal(res.err)
	}
	st := b.listeners[0].Stats()
	t.Logf("flood: %d SYNs in %v; %d echoes on the established connection (worst %v), %d new connections during it; listener %+v",
		res.sent, res.took.Round(time.Millisecond), echoes, worst.Round(time.Microsecond), fresh, st)
	if res.sent != floodCount {
		t.Fatalf("sent %d of %d SYNs", res.sent, floodCount)
	}
	if fresh == 0 {
		t.Fatal("no connection opened during the flood")
	}
	if st.CookiesSent == 0 || st.CookiesValid == 0 {
		t.Fatalf("SYN cookies were not used (sent %d, valid %d)", st.CookiesSent, st.CookiesValid)
	}
	b.checkCapture(t, false)
}
