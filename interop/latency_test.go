package interop

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/tcpbox/tcpbox/hack/testbed"
	"github.com/tcpbox/tcpbox/services/framed"
	"github.com/tcpbox/tcpbox/services/latency"
)

// TestLatencyRRCRR runs `tcpbox rr` and `tcpbox crr` (latency.RRMain and
// CRRMain with -json, their sockets in the kernel's namespace) against
// framed echo on tcpbox's stack and, in the same run, against the same
// framed echo service on the kernel's stack in a third namespace, over a
// veth each; it prints both sets of figures. Transactions are bounded by
// count and by time.
func TestLatencyRRCRR(t *testing.T) {
	b := newBed(t, bedOptions{})
	ln := b.listen(t, framed.Port)
	tcpboxSrv := &framed.Server{}
	serve(t, func(ctx context.Context) error { return tcpboxSrv.Serve(ctx, ln) })

	// The kernel's framed echo: namespace K, 198.18.1.2, on a veth from
	// the peer namespace (198.18.1.1), offloads off as on tcpbox's veth.
	k := testbed.NewNS(t, "k")
	testbed.Veth(t, b.Peer, "veth1", k, "veth0", 1500)
	b.Peer.Offloads(t, "veth1", false)
	k.Offloads(t, "veth0", false)
	k.MustRun(t, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1")
	b.Peer.MustRun(t, "ip", "addr", "add", "198.18.1.1/24", "dev", "veth1")
	k.MustRun(t, "ip", "addr", "add", "198.18.1.2/24", "dev", "veth0")
	var kln net.Listener
	if err := k.Do(func() (err error) {
		kln, err = net.Listen("tcp4", fmt.Sprintf("198.18.1.2:%d", framed.Port))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	kernelSrv := &framed.Server{}
	serve(t, func(ctx context.Context) error { return kernelSrv.Serve(ctx, kln) })

	run := func(t *testing.T, main func([]string, io.Writer, io.Writer) int, args ...string) *latency.Report {
		t.Helper()
		var out, errb bytes.Buffer
		var code int
		if err := b.Peer.Do(func() error { code = main(append([]string{"-json"}, args...), &out, &errb); return nil }); err != nil {
			t.Fatal(err)
		}
		var r latency.Report
		if code != 0 || json.Unmarshal(out.Bytes(), &r) != nil {
			t.Fatalf("%v: exit %d: %s%s", args, code, errb.String(), out.String())
		}
		if r.Transactions == 0 {
			t.Fatalf("%v: no transactions", args)
		}
		return &r
	}
	line := func(who string, r *latency.Report) string {
		l := r.LatencyUS
		s := fmt.Sprintf("%s %-6s %6d × %d B, %7.0f/s; µs min %.0f p50 %.0f p90 %.0f p99 %.0f p99.9 %.0f max %.0f",
			r.Test, who, r.Transactions, r.Size, r.Rate, l["min"], l["p50"], l["p90"], l["p99"], l["p99.9"], l["max"])
		if c := r.Connect; c != nil {
			s += fmt.Sprintf("; connect µs p50 %.0f p99 %.0f", c["p50"], c["p99"])
		}
		return s
	}
	targets := []struct{ who, addr string }{
		{"tcpbox", b.dut.String()},
		{"kernel", "198.18.1.2"},
	}
	var lines []string
	t.Run("rr", func(t *testing.T) {
		b.capture(t, 0, iperfFrames)
		for _, tg := range targets {
			r := run(t, latency.RRMain, "-count", "20000", "-duration", "10s", "-size", "64", tg.addr)
			lines = append(lines, line(tg.who, r))
		}
		b.checkCapture(t, true)
	})
	t.Run("crr", func(t *testing.T) {
		b.capture(t, 0, iperfFrames)
		for _, tg := range targets {
			r := run(t, latency.CRRMain, "-count", "2000", "-duration", "10s", "-size", "64", tg.addr)
			lines = append(lines, line(tg.who, r))
		}
		b.checkCapture(t, true)
	})
	t.Logf("same run, kernel client over a veth each:\n%s", strings.Join(lines, "\n"))
}
