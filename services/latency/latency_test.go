package latency

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/services/framed"
	"github.com/tcpbox/tcpbox/services/internal/svctest"
)

func TestHistQuantiles(t *testing.T) {
	var h Hist
	for i := 1; i <= 10000; i++ {
		h.Add(time.Duration(i) * time.Microsecond)
	}
	for _, tc := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 5000 * time.Microsecond}, {0.9, 9000 * time.Microsecond}, {0.99, 9900 * time.Microsecond}, {0.999, 9990 * time.Microsecond}} {
		got := h.Quantile(tc.q)
		if d := float64(got-tc.want) / float64(tc.want); d > 0.016 || d < -0.016 {
			t.Errorf("q%.3f = %v, want %v within 1.6%%", tc.q, got, tc.want)
		}
	}
	if h.Min() != time.Microsecond || h.Max() != 10*time.Millisecond || h.Quantile(1) != h.Max() || h.Quantile(0) != h.Min() {
		t.Fatalf("min %v max %v", h.Min(), h.Max())
	}
	var n uint64
	for _, b := range h.Bins() {
		n += b.Count
	}
	if n != 10000 {
		t.Fatalf("bins hold %d samples", n)
	}
	// Every value falls in a bucket whose range contains it.
	for _, v := range []time.Duration{0, 1, 63, 64, 65, 1000, 123456789, 1<<62 + 12345} {
		lo, hi := bucketRange(bucketOf(v))
		if v < lo || v >= hi {
			t.Errorf("%d in bucket [%d, %d)", v, lo, hi)
		}
	}
}

func echoServer(t *testing.T) string {
	addr, _ := svctest.TCP(t, (&framed.Server{}).Serve)
	return addr
}

func check(t *testing.T, out []byte, n uint64) *Report {
	var r Report
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	l := r.LatencyUS
	if r.Transactions != n || l["min"] <= 0 || !(l["min"] <= l["p50"] && l["p50"] <= l["p90"] && l["p90"] <= l["p99"] &&
		l["p99"] <= l["p99.9"] && l["p99.9"] <= l["max"]) || r.Rate <= 0 {
		t.Fatalf("insane report: %s", out)
	}
	var sum uint64
	for _, b := range r.Histogram {
		sum += b.Count
	}
	if sum != n {
		t.Fatalf("histogram holds %d of %d", sum, n)
	}
	return &r
}

func TestRRAgainstFramedEcho(t *testing.T) {
	addr := echoServer(t)
	var out, errb bytes.Buffer
	if code := RRMain([]string{"-count", "3000", "-size", "100", "-json", addr}, &out, &errb); code != 0 {
		t.Fatalf("rr: %d %s", code, errb.String())
	}
	r := check(t, out.Bytes(), 3000)
	t.Logf("rr: %.0f/s p50 %.1fµs p99 %.1fµs", r.Rate, r.LatencyUS["p50"], r.LatencyUS["p99"])
	out.Reset()
	if code := RRMain([]string{"-count", "100", addr}, &out, &errb); code != 0 || !strings.Contains(out.String(), "p99.9") {
		t.Fatalf("rr text: %d %q", code, out.String())
	}
}

func TestCRRAgainstFramedEcho(t *testing.T) {
	addr := echoServer(t)
	var out, errb bytes.Buffer
	if code := CRRMain([]string{"-count", "500", "-json", addr}, &out, &errb); code != 0 {
		t.Fatalf("crr: %d %s", code, errb.String())
	}
	r := check(t, out.Bytes(), 500)
	if r.Connect["min"] <= 0 || r.Connect["p50"] > r.LatencyUS["max"] {
		t.Fatalf("connect figures %v", r.Connect)
	}
	t.Logf("crr: %.0f/s p50 %.1fµs p99 %.1fµs", r.Rate, r.LatencyUS["p50"], r.LatencyUS["p99"])
}

// A server that does not echo (here: answers a wrong frame) is reported
// as an error, not as a latency.
func TestNotAnEchoServer(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		io.ReadFull(c, make([]byte, 5))
		c.Write([]byte{0, 0, 0, 1, 'X'})
		io.Copy(io.Discard, c)
	}()
	var out, errb bytes.Buffer
	if code := RRMain([]string{"-count", "1", ln.Addr().String()}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "not the request echoed") {
		t.Fatalf("exit %d, stderr %q", code, errb.String())
	}
	if code := RRMain([]string{"-size", "-1", "h"}, &out, &errb); code != 2 {
		t.Fatalf("bad usage: exit %d", code)
	}
}
