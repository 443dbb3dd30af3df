//go:build linux

package afpacket

import (
	"testing"
)

// ringMode makes newBed open both links with the TPACKET_V3 ring.
var ringMode bool

// TestRing runs the receive-side tests again with Options.Ring.
func TestRing(t *testing.T) { rerunReceiveTests(t, &ringMode) }

// rerunReceiveTests runs the receive-side tests with *mode set.
func rerunReceiveTests(t *testing.T, mode *bool) {
	*mode = true
	defer func() { *mode = false }()
	t.Run("ExchangeBothWays", TestExchangeBothWays)
	t.Run("Filter", TestFilter)
	t.Run("DropsCounted", TestDropsCounted)
	t.Run("TooBig", TestTooBig)
	t.Run("CloseWakesReader", TestCloseWakesReader)
	t.Run("CloseWhileFramesHeld", TestCloseWhileFramesHeld)
	t.Run("ZeroAllocs", TestZeroAllocs)
	t.Run("OffloadPartialChecksumReceived", TestOffloadPartialChecksumReceived)
	t.Run("RxPending", TestRxPending)
	t.Run("RxWait", TestRxWait)
	if mode == &recvmmsgMode {
		// The V3 ring does not busy-poll: its blocks reach the reader
		// after a timeout anyway.
		t.Run("BusyPoll", TestBusyPoll)
		t.Run("TakeFrame", TestTakeFrame)
	}
}

// BenchmarkVethRing is BenchmarkVeth receiving through the TPACKET_V3 ring.
func BenchmarkVethRing(b *testing.B) { benchVeth(b, Options{Ring: true}) }
