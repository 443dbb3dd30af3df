//go:build linux

package afpacket

import (
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
// 32 per sendmmsg, and reports frames per second.
func BenchmarkVeth(b *testing.B) {
	testbed.Require(b, "ethtool")
	a, c := testbed.NewNS(b, "a"), testbed.NewNS(b, "b")
	testbed.Veth(b, a, "veth0", c, "veth0", 1500)
	a.Quiet(b, "veth0")
	c.Quiet(b, "veth0")
	la, lc := openIn(b, a, "veth0", Options{}), openIn(b, c, "veth0", Options{})
	in := make([]nic.Frame, 32)
	for i := range in {
		in[i].Data = testFrame(lc.MAC(), la.MAC(), i, 1514)
	}
	out := make([]nic.Frame, 64)
	b.SetBytes(32 * 1514)
	b.ReportAllocs()
	for b.Loop() {
		moveBatch(b, la, lc, in, out)
	}
	b.ReportMetric(float64(b.N*32)/b.Elapsed().Seconds(), "frames/s")
}
