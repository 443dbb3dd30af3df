//go:build linux

package afpacket

import (
	"testing"
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

// BenchmarkVethRing is BenchmarkVeth receiving through the TPACKET_V3 ring.
func BenchmarkVethRing(b *testing.B) { benchVeth(b, Options{Ring: true}) }
