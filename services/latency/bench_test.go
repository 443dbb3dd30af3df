package latency

import (
	"context"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/services/framed"
	"github.com/tcpbox/tcpbox/services/internal/svctest"
)

func benchServer(b *testing.B) string {
	addr, _ := svctest.TCP(b, (&framed.Server{}).Serve)
	return addr
}

func reportHist(b *testing.B, h *Hist) {
	b.ReportMetric(float64(h.Quantile(0.5))/1e3, "p50-µs")
	b.ReportMetric(float64(h.Quantile(0.99))/1e3, "p99-µs")
	b.ReportMetric(float64(h.Quantile(0.999))/1e3, "p99.9-µs")
}

// BenchmarkRR: 1-byte framed transactions on one loopback connection to
// tcpbox's framed echo on the kernel's stack.
func BenchmarkRR(b *testing.B) {
	addr := benchServer(b)
	b.ResetTimer()
	_, h, err := RR(context.Background(), addr, Options{Size: 1, Count: b.N, Duration: time.Hour, Timeout: 10 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	reportHist(b, h)
}

// BenchmarkCRR: connect, 1-byte transaction, close, over loopback.
func BenchmarkCRR(b *testing.B) {
	addr := benchServer(b)
	b.ResetTimer()
	_, h, err := CRR(context.Background(), addr, Options{Size: 1, Count: b.N, Duration: time.Hour, Timeout: 10 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	reportHist(b, h)
}
