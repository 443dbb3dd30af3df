package cc

import (
	"fmt"
	"math"
	"testing"
	"time"
)

// BenchmarkSim reports, for each algorithm and random loss rate, what the
// simulator measures over 10 s of a 50 Mbit/s bottleneck with 20 ms base
// RTT and a one-BDP queue: goodput, retransmissions per dropped segment,
// mean RTT seen, and the Mathis et al. estimate MSS/RTT * sqrt(3/2)/sqrt(p)
// for comparison. These are figures of the model, not of the stack:
//
//	go test -run '^$' -bench Sim -benchtime 1x ./stack/tcp/cc
func BenchmarkSim(b *testing.B) {
	const (
		rate = 50e6 / 8
		rtt  = 20 * time.Millisecond
		dur  = 10 * time.Second
	)
	for _, loss := range []float64{0, 0.001, 0.01, 0.05} {
		for _, name := range []string{"reno", "newreno", "cubic", "bbr"} {
			b.Run(fmt.Sprintf("%s/loss=%g%%", name, 100*loss), func(b *testing.B) {
				var r *simResult
				for b.Loop() {
					a, _ := New(name, Options{})
					r = runSim(simConfig{Rate: rate, RTT: rtt, Queue: int(rate * rtt.Seconds()), Loss: loss, Seed: 42, Duration: dur}, a)
				}
				b.ReportMetric(float64(r.Delivered)*8/dur.Seconds()/1e6, "Mbit/s")
				if r.Dropped > 0 {
					b.ReportMetric(float64(r.Retrans)/float64(r.Dropped), "retx/drop")
				}
				b.ReportMetric(float64(r.RTOs), "RTOs")
				b.ReportMetric(r.meanRTT.Seconds()*1e3, "ms-rtt")
				if loss > 0 {
					mathis := 1460 * 8 / r.meanRTT.Seconds() * math.Sqrt(1.5) / math.Sqrt(loss) / 1e6
					b.ReportMetric(mathis, "mathis-Mbit/s")
				}
			})
		}
	}
}
