package tcp

import (
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/stack/tcp/cc"
)

// FuzzPipeTransfer lets the fuzzer choose which segments are lost and how
// late each arrives (so, the reordering) on a two-connection pipe; every
// transfer must still complete intact. Loss runs are capped so that the
// retry limits, not the fuzzer, decide when a peer is gone. An odd slow
// also lends every payload to the receive buffer (pipe.lend), which must
// give back every one it took.
func FuzzPipeTransfer(f *testing.F) {
	f.Add([]byte{}, uint8(0), uint8(0))
	f.Add([]byte{0, 255, 0, 255, 10, 200, 30}, uint8(1), uint8(5))
	f.Add([]byte{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 200, 200, 200}, uint8(2), uint8(60))
	f.Add([]byte{7, 99, 3, 250, 0, 0, 0, 128, 64, 32, 16, 8, 4, 2, 1}, uint8(7), uint8(0))
	for i := 0; i < 8; i++ { // each congestion-control algorithm
		f.Add([]byte{50, 0, 50, 50, 0, 0, 50, 50, 50, 0}, uint8(i<<5|i&3), uint8(i*20))
	}
	f.Fuzz(func(t *testing.T, plan []byte, sel uint8, slow uint8) {
		if len(plan) > 4096 {
			return
		}
		cfg := DefaultConfig()
		if sel&1 != 0 {
			cfg = testConfig()
		}
		if sel&2 != 0 {
			cfg.RecvBuf, cfg.RecvBufMin, cfg.RecvBufMax, cfg.SendBuf = 4096, 2048, 8192, 4096
		}
		if sel&4 != 0 {
			cfg.NoDelay = true
		}
		if sel&8 != 0 {
			cfg.DelayedAck = 0
		}
		if sel&16 != 0 {
			cfg.SlowStartAfterIdle = false
		}
		names := cc.Names()
		name := names[int(sel>>5)%len(names)]
		cfg.Congestion = func() cc.Algorithm {
			a, _ := cc.New(name, cc.Options{InitialWindow: 10})
			return a
		}
		// At worst 3 of 4 segments are lost each way, so a round trip
		// succeeds 1 time in 16: retry limits generous enough for that.
		cfg.SynRetries, cfg.SynAckRetries, cfg.DataRetries = 100, 100, 100
		p := newPipe(t, cfg, cfg, 1, 0)
		p.plan = plan
		p.slowRead = int(slow) * 16
		if slow&1 != 0 {
			p.lend = &lendCount{}
		}
		p.transfer(48<<10, 24<<10, 24*time.Hour)
		if c := p.lend; c != nil && c.released != c.taken {
			t.Fatalf("%d payloads taken, %d given back", c.taken, c.released)
		}
	})
}
