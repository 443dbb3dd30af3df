package iperf3

import (
	"net"
	"testing"

	"golang.org/x/sys/unix"
)

// KernelListen's options reach the accepted sockets: the MSS is clamped
// from the handshake and the congestion algorithm is set.
func TestKernelListenAndStats(t *testing.T) {
	ln, err := KernelListen("127.0.0.1:0")(SockOpts{MSS: 1000, NoDelay: true, Congestion: "reno"})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	a, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	rc, _ := rawConn(a)
	var mss int
	rc.Control(func(fd uintptr) { mss, _ = unix.GetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_MAXSEG) })
	if mss == 0 || mss > 1000 {
		t.Fatalf("accepted socket MSS %d, want <= 1000", mss)
	}
	st, ok := KernelStats(a)
	if !ok || st.Congestion != "reno" || st.Cwnd <= 0 {
		t.Fatalf("stats %+v %v", st, ok)
	}
	if err := KernelTune(a, SockOpts{Congestion: "no-such-cc"}); err == nil {
		t.Fatal("unknown congestion algorithm accepted")
	}
}
