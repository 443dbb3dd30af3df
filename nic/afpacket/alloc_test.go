//go:build linux

package afpacket

import (
	"syscall"
	"testing"

	"github.com/tcpbox/tcpbox/hack/testbed"
	"github.com/tcpbox/tcpbox/nic"
)

// moveBatch writes frames on one link and reads as many on the other.
func moveBatch(tb testing.TB, from, to *Link, in, out []nic.Frame) {
	if n, err := from.WriteBatch(in); n != len(in) || err != nil {
		tb.Fatalf("WriteBatch = %d, %v", n, err)
	}
	for got := 0; got < len(in); {
		n, err := to.ReadBatch(out)
		if err != nil {
			tb.Fatal(err)
		}
		got += n
	}
}

func TestZeroAllocs(t *testing.T) {
	bd := newBed(t, Options{}, Options{})
	in := make([]nic.Frame, 32)
	for i := range in {
		in[i].Data = testFrame(bd.lb.MAC(), bd.la.MAC(), i, 1514)
	}
	out := make([]nic.Frame, 64)
	moveBatch(t, bd.la, bd.lb, in, out)
	allocs := testing.AllocsPerRun(100, func() { moveBatch(t, bd.la, bd.lb, in, out) })
	if allocs != 0 {
		t.Fatalf("%v allocations per batch of 32, want 0", allocs)
	}
}

// BenchmarkVeth moves 1514-byte frames across a veth between two Links,
// 32 per sendmmsg, received with recvmmsg (Options.Recvmmsg); it reports
// the process's CPU time per frame (the veth delivers inside the
// sender's sendmmsg, so this is the whole cost of sending, delivering and
// reading one frame), which a loaded machine disturbs less than ns/op.
func BenchmarkVeth(b *testing.B) { benchVeth(b, Options{Recvmmsg: true}) }

// BenchmarkVethFrameRing is BenchmarkVeth receiving through the frame ring
// (the default).
func BenchmarkVethFrameRing(b *testing.B) { benchVeth(b, Options{}) }

func benchVeth(b *testing.B, rx Options) {
	testbed.Require(b, "ethtool")
	a, c := testbed.NewNS(b, "a"), testbed.NewNS(b, "b")
	testbed.Veth(b, a, "veth0", c, "veth0", 1500)
	a.Quiet(b, "veth0")
	c.Quiet(b, "veth0")
	la, lc := openIn(b, a, "veth0", Options{}), openIn(b, c, "veth0", rx)
	in := make([]nic.Frame, 32)
	for i := range in {
		in[i].Data = testFrame(lc.MAC(), la.MAC(), i, 1514)
	}
	out := make([]nic.Frame, 64)
	b.SetBytes(32 * 1514)
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		moveBatch(b, la, lc, in, out)
	}
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N*32), "cpu-ns/frame")
	b.ReportMetric(float64(b.N*32)/b.Elapsed().Seconds(), "frames/s")
}

// cpuTime is the process's user and system CPU time in nanoseconds.
func cpuTime() int64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}
