package iperf3

import (
	"net"
	"testing"
)

// KernelTune sets a test's options on an accepted socket, and KernelStats
// reads them back.
func TestKernelTuneAndStats(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
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
	if err := KernelTune(a, SockOpts{Window: 256 << 10, MSS: 1000, NoDelay: true, Congestion: "reno"}); err != nil {
		t.Fatal(err)
	}
	st, ok := KernelStats(a)
	if !ok || st.Congestion != "reno" || st.Cwnd <= 0 {
		t.Fatalf("stats %+v %v", st, ok)
	}
	if err := KernelTune(a, SockOpts{Congestion: "no-such-cc"}); err == nil {
		t.Fatal("unknown congestion algorithm accepted")
	}
}
