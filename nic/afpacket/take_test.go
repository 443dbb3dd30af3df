//go:build linux

package afpacket

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/nic"
)

// TestTakeFrame: a frame taken out of the link (nic.FrameTaker) keeps its
// bytes while the link goes on reading into its other buffers, through
// more frames than it has slots; once released, its holder is what the
// next TakeFrame hands out again. Frames in a ring's slots cannot be
// taken (TestFrameRingSuperFrame takes the frame ring's queued ones).
func TestTakeFrame(t *testing.T) {
	if !recvmmsgMode {
		// TestRecvmmsg runs this test on the recvmmsg path.
		bd := newBed(t, Options{}, Options{})
		send(t, bd.la, testFrame(bd.lb.MAC(), bd.la.MAC(), 1, 900))
		buf := make([]nic.Frame, 4)
		n, err := bd.lb.ReadBatch(buf)
		if err != nil || n == 0 {
			t.Fatalf("ReadBatch = %d, %v", n, err)
		}
		for i := range n {
			if bd.lb.TakeFrame(i) != nil {
				t.Fatal("a frame in a ring's slot was taken")
			}
		}
		return
	}
	bd := newBed(t, Options{}, Options{Batch: 4})
	buf := make([]nic.Frame, 4)
	// readSeq reads until the test frame seq arrives, returning its index
	// in buf.
	readSeq := func(seq int) int {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			n, err := bd.lb.ReadBatch(buf)
			if err != nil {
				t.Fatal(err)
			}
			for i, f := range buf[:n] {
				if len(f.Data) >= 18 && binary.BigEndian.Uint16(f.Data[12:]) == testType && int(binary.BigEndian.Uint32(f.Data[14:])) == seq {
					return i
				}
			}
		}
		t.Fatalf("frame %d did not arrive", seq)
		return 0
	}
	want := testFrame(bd.lb.MAC(), bd.la.MAC(), 1, 900)
	send(t, bd.la, want)
	i := readSeq(1)
	kept := buf[i].Data
	r := bd.lb.TakeFrame(i)
	if r == nil {
		t.Fatal("TakeFrame = nil on the recvmmsg path")
	}
	// Twelve frames one at a time: every slot is read into three times.
	for seq := 2; seq < 14; seq++ {
		send(t, bd.la, testFrame(bd.lb.MAC(), bd.la.MAC(), seq, 900))
		readSeq(seq)
	}
	if !bytes.Equal(kept, want) {
		t.Fatal("the taken frame's bytes changed while the link read on")
	}
	r.Release()
	send(t, bd.la, testFrame(bd.lb.MAC(), bd.la.MAC(), 14, 900))
	i = readSeq(14)
	if r2 := bd.lb.TakeFrame(i); r2 != r {
		t.Fatalf("TakeFrame after a Release handed out %p, not the released %p", r2, r)
	}
}
