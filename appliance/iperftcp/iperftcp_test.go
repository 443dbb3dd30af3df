package iperftcp

import (
	"context"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/nic/memlink"
	"github.com/tcpbox/tcpbox/services/iperf3"
	"github.com/tcpbox/tcpbox/stack"
)

// accepted returns a connection accepted by one stack from another over a
// memlink, wrapped as the iperf3 server sees it.
func accepted(t *testing.T) net.Conn {
	t.Helper()
	a, b := memlink.Pair(1500, [6]byte{2, 0, 0, 0, 0, 2}, [6]byte{2, 0, 0, 0, 0, 1})
	srv, err := stack.New(a, stack.Options{Addr: netip.MustParsePrefix("198.18.0.2/24")})
	if err != nil {
		t.Fatal(err)
	}
	cli, err := stack.New(b, stack.Options{Addr: netip.MustParsePrefix("198.18.0.1/24")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close(); srv.Close() })
	ln, err := srv.ListenTCP(netip.MustParseAddrPort("198.18.0.2:5201"), stack.WithWindowShift(WindowShift()))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := cli.DialTCP(ctx, netip.MustParseAddrPort("198.18.0.2:5201"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return wrapped{s}
}

// wrapped stands for the service layer's wrappers.
type wrapped struct{ net.Conn }

func (w wrapped) Raw() net.Conn { return w.Conn }

// Tune sets every option of a test on the accepted connection itself, as
// its TCB shows, and Stats reads them back.
func TestTuneAcceptedConn(t *testing.T) {
	c := accepted(t)
	if err := Tune(c, iperf3.SockOpts{Window: 1 << 20, MSS: 700, NoDelay: true, Congestion: "reno"}); err != nil {
		t.Fatal(err)
	}
	tc, ok := Conn(c)
	if !ok {
		t.Fatal("Conn did not unwrap")
	}
	in := tc.TCPInfo()
	if in.Congestion != "newreno" || in.SndMSS > 700 || in.RcvBuf != 1<<20 || in.SndBuf != 1<<20 || !in.NoDelay {
		t.Fatalf("TCB: %s snd_mss %d rcvbuf %d sndbuf %d nodelay %v", in.Congestion, in.SndMSS, in.RcvBuf, in.SndBuf, in.NoDelay)
	}
	if st, ok := Stats(c); !ok || st.Congestion != "newreno" || st.Cwnd <= 0 {
		t.Fatalf("Stats %+v %v", st, ok)
	}
	if err := Tune(c, iperf3.SockOpts{Congestion: "no-such"}); err == nil {
		t.Fatal("unknown algorithm accepted")
	}
}

func TestShiftFor(t *testing.T) {
	for n, want := range map[int]int{65535: 0, 65536: 1, 6 << 20: 7, iperf3.MaxWindow: 8, 1 << 30: 14, 1 << 40: 14} {
		if got := ShiftFor(n); got != want {
			t.Errorf("ShiftFor(%d) = %d, want %d", n, got, want)
		}
	}
}
