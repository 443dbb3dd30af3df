package tcp

import (
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/stack/tcp/cc"
)

// Every congestion-control algorithm of stack/tcp/cc drives a connection
// through loss and reordering intact.
func TestPipeEveryAlgorithm(t *testing.T) {
	for _, name := range cc.Names() {
		t.Run(name, func(t *testing.T) {
			cfg := DefaultConfig()
			useAlgorithm(t, &cfg, name)
			p := newPipe(t, cfg, cfg, 11, 0.02)
			p.jitter = 3 * time.Millisecond
			p.transfer(1<<20, 128<<10, 2*time.Hour)
			in := p.a.Info(p.now)
			if in.Congestion != name {
				t.Fatalf("algorithm %q in use", in.Congestion)
			}
			if in.Delivered < 1<<20 {
				t.Fatalf("delivered %d, want at least the 1 MiB sent", in.Delivered)
			}
			t.Logf("%s: lost %d/%d, retrans %d, rate %d B/s, sim time %v", name, p.lost, p.sent, in.TotalRetrans, in.DeliveryRate, p.now)
		})
	}
}

func TestDeliveryRateSampled(t *testing.T) {
	cfg := DefaultConfig()
	p := newPipe(t, cfg, cfg, 12, 0)
	p.delay = 10 * time.Millisecond
	p.transfer(2<<20, 0, time.Hour)
	in := p.a.Info(p.now)
	if in.DeliveryRate == 0 {
		t.Fatal("no delivery-rate sample")
	}
	// The pipe has no bottleneck: the rate is bounded by the window over
	// the 20ms RTT, at most the 256 KiB send buffer per RTT (with slack).
	if in.DeliveryRate > 2*(256<<10)*50 {
		t.Fatalf("delivery rate %d B/s beyond what the window allows", in.DeliveryRate)
	}
}
