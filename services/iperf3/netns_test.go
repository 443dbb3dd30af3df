package iperf3

import (
	"context"
	"encoding/json"
	"net"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/hack/testbed"
	"github.com/tcpbox/tcpbox/services/internal/svctest"
)

// The server in one network namespace, Debian's iperf3 client in another,
// over a veth with 198.18.0.0/24 addresses: real interfaces, real MTU.
func TestIperf3AcrossVeth(t *testing.T) {
	testbed.Require(t, "iperf3")
	srv, cli := testbed.NewKernelPair(t, "i")

	var (
		ln net.Listener
		pc net.PacketConn
	)
	if err := srv.Do(func() (err error) {
		if ln, err = net.Listen("tcp4", "198.18.0.2:5201"); err != nil {
			return err
		}
		pc, err = net.ListenPacket("udp4", "198.18.0.2:5201")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	pc.(*net.UDPConn).SetReadBuffer(4 << 20)
	s := &Server{TCPStats: KernelStats, Tune: KernelTune}
	svctest.Run(t, func(ctx context.Context) error { return s.Serve(ctx, ln, pc) })

	for _, args := range [][]string{{}, {"-R"}, {"--bidir"}, {"-u", "-b", "100M"}, {"-M", "1000", "-R"}} {
		stdout, stderr, err := cli.Output(60*time.Second, "iperf3", append([]string{"-c", "198.18.0.2", "-t", "2", "-J"}, args...)...)
		var r clientJSON
		if jerr := json.Unmarshal([]byte(stdout), &r); jerr != nil || err != nil || r.Error != "" {
			t.Fatalf("iperf3 %v: %v %v %q\n%s", args, err, jerr, r.Error, stderr)
		}
		sent, recv := r.End.SumSent.Bytes, r.End.SumReceived.Bytes
		if len(args) > 0 && args[0] == "-u" {
			sent, recv = r.End.Sum.Bytes, r.End.Sum.Bytes
		}
		if sent <= 0 || recv <= 0 || recv > sent {
			t.Fatalf("iperf3 %v: sent %v received %v", args, sent, recv)
		}
		t.Logf("iperf3 %v: received %.0f bytes in 2 s (%.2f Gbit/s)", args, recv, recv*8/2/1e9)
	}
}
