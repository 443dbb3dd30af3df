//go:build linux

package afpacket

import (
	"testing"

	"github.com/tcpbox/tcpbox/hack/testbed"
	"github.com/tcpbox/tcpbox/nic"
)

// ringMode makes newBed open both links with the TPACKET_V3 ring.
var ringMode bool

// TestRing runs the receive-side tests again with Options.Ring.
func TestRing(t *testing.T) {
	ringMode = true
	defer func() { ringMode = false }()
	t.Run("ExchangeBothWays", TestExchangeBothWays)
	t.Run("Filter", TestFilter)
	t.Run("DropsCounted", TestDropsCounted)
	t.Run("TooBig", TestTooBig)
	t.Run("CloseWakesReader", TestCloseWakesReader)
	t.Run("ZeroAllocs", TestZeroAllocs)
}

// TestRingOffload: the vnet header in front of each ring frame is
// decoded like recvmmsg's.
func TestRingOffload(t *testing.T) {
	ringMode = true
	defer func() { ringMode = false }()
	TestOffloadPartialChecksumReceived(t)
}

// BenchmarkVethRing is BenchmarkVeth receiving through the ring.
func BenchmarkVethRing(b *testing.B) {
	testbed.Require(b, "ethtool")
	a, c := testbed.NewNS(b, "a"), testbed.NewNS(b, "b")
	testbed.Veth(b, a, "veth0", c, "veth0", 1500)
	a.Quiet(b, "veth0")
	c.Quiet(b, "veth0")
	la, lc := openIn(b, a, "veth0", Options{}), openIn(b, c, "veth0", Options{Ring: true})
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
