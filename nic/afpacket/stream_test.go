//go:build linux

package afpacket

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/hack/testbed"
	"github.com/tcpbox/tcpbox/nic"
)

// TestIgnoresOwnTransmissions: frames a Link sends never come back to it
// (PACKET_IGNORE_OUTGOING), even broadcast ones its filter would accept.
func TestIgnoresOwnTransmissions(t *testing.T) {
	bd := newBed(t, Options{}, Options{})
	bcast := [6]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	got := make(chan [][]byte, 1)
	go func() { got <- collect(t, bd.lb, 10, 20*time.Second) }()
	for i := 0; i < 10; i++ {
		send(t, bd.la, testFrame(bcast, bd.la.MAC(), i, 60))
	}
	if recv := <-got; len(recv) != 10 {
		t.Fatalf("peer received %d of 10", len(recv))
	}
	// A marker from the peer: when it arrives, anything of our own that
	// was going to come back would have come before it.
	go func() { got <- collect(t, bd.la, 1, 20*time.Second) }()
	send(t, bd.lb, testFrame(bd.la.MAC(), bd.lb.MAC(), 99, 60))
	recv := <-got
	if len(recv) != 1 || binary.BigEndian.Uint32(recv[0][14:]) != 99 {
		t.Fatalf("sender read %d frames first; its own came back", len(recv))
	}
}

// benchStream streams 1514-byte frames one way as fast as sendmmsg goes
// and reports the frames per second the receiver got and the share the
// kernel dropped.
func benchStream(b *testing.B, ring bool) {
	testbed.Require(b, "ethtool")
	a, c := testbed.NewNS(b, "a"), testbed.NewNS(b, "b")
	testbed.Veth(b, a, "veth0", c, "veth0", 1500)
	a.Quiet(b, "veth0")
	c.Quiet(b, "veth0")
	la, lc := openIn(b, a, "veth0", Options{}), openIn(b, c, "veth0", Options{Ring: ring})
	in := make([]nic.Frame, 32)
	for i := range in {
		in[i].Data = testFrame(lc.MAC(), la.MAC(), 0, 1514)
	}
	end := []nic.Frame{{Data: testFrame(lc.MAC(), la.MAC(), -1, 60)}}
	done := make(chan int)
	go func() {
		out := make([]nic.Frame, 64)
		got := 0
		for {
			n, err := lc.ReadBatch(out)
			if err != nil {
				done <- got
				return
			}
			for _, f := range out[:n] {
				if len(f.Data) == 60 {
					done <- got
					return
				}
				got++
			}
		}
	}()
	b.SetBytes(1514)
	b.ResetTimer()
	for sent := 0; sent < b.N; sent += len(in) {
		la.WriteBatch(in[:min(len(in), b.N-sent)])
	}
	var got int
	for loop := true; loop; {
		la.WriteBatch(end)
		select {
		case got = <-done:
			loop = false
		case <-time.After(10 * time.Millisecond):
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(got)/b.Elapsed().Seconds(), "rxframes/s")
	b.ReportMetric(100*float64(b.N-got)/float64(b.N), "%dropped")
}

func BenchmarkStream(b *testing.B)     { benchStream(b, false) }
func BenchmarkStreamRing(b *testing.B) { benchStream(b, true) }
