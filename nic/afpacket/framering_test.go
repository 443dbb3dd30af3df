//go:build linux

package afpacket

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/hack/testbed"
	"github.com/tcpbox/tcpbox/nic"
)

// recvmmsgMode makes newBed open links that receive with recvmmsg
// instead of the default frame ring.
var recvmmsgMode bool

// TestRecvmmsg runs the receive-side tests again with Options.Recvmmsg.
func TestRecvmmsg(t *testing.T) { rerunReceiveTests(t, &recvmmsgMode) }

func TestSlotSize(t *testing.T) {
	for _, c := range []struct{ mtu, want int }{{576, 2048}, {1500, 2048}, {1920, 2048}, {1940, 4096}, {9000, 16384}} {
		if got := slotSize(c.mtu); got != c.want {
			t.Errorf("slotSize(%d) = %d, want %d", c.mtu, got, c.want)
		}
	}
}

// TestFrameRingSuperFrame: with offloads on, TCP super-frames cross the
// veth whole; they do not fit a slot, so they come through the socket
// queue (TP_STATUS_COPY, one recvmmsg for both), intact and each in its
// place among the small frames sent before, between and after them. A
// super-frame's buffer can be taken (nic.FrameTaker) and keeps its bytes
// while the link reads on; a frame in a slot cannot.
func TestFrameRingSuperFrame(t *testing.T) {
	testbed.Require(t, "ethtool")
	a, b := testbed.NewNS(t, "a"), testbed.NewNS(t, "b")
	testbed.Veth(t, a, "veth0", b, "veth0", 1500)
	a.Quiet(t, "veth0")
	b.Quiet(t, "veth0")
	a.Offloads(t, "veth0", true)
	b.Offloads(t, "veth0", true)
	la := openIn(t, a, "veth0", Options{})
	lb := openIn(t, b, "veth0", Options{})
	const mss = 1448
	payload := make([]byte, 20*mss)
	for i := range payload {
		payload[i] = byte(i * 7)
	}
	super := tcpFrame(lb.MAC(), la.MAC(), 1000, payload)
	off := nic.Offload{NeedsChecksum: true, CsumStart: 34, CsumOffset: 16, GSOType: 1, GSOSize: mss, HdrLen: 54}
	out := []nic.Frame{
		{Data: testFrame(lb.MAC(), la.MAC(), 1, 200)},
		{Data: super, Offload: off},
		{Data: testFrame(lb.MAC(), la.MAC(), 2, 300)},
		{Data: super, Offload: off},
		{Data: testFrame(lb.MAC(), la.MAC(), 3, 400)},
	}
	if n, err := la.WriteBatch(out); n != len(out) || err != nil {
		t.Fatalf("WriteBatch = %d, %v", n, err)
	}
	var got []nic.Frame
	var taken []nic.Releaser
	var slotTaken int
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]nic.Frame, 8)
		for len(got) < len(out) {
			n, err := lb.ReadBatch(buf)
			if err != nil {
				return
			}
			for i, f := range buf[:n] {
				et := binary.BigEndian.Uint16(f.Data[12:])
				if et != testType && et != 0x0800 {
					continue
				}
				r := lb.TakeFrame(i)
				switch {
				case len(f.Data) > 2048 && r != nil:
					// Kept as it is, not cloned: the link must not
					// read into it again.
					taken = append(taken, r)
					got = append(got, f)
				case r != nil:
					slotTaken++
					r.Release()
					got = append(got, nic.Frame{Data: bytes.Clone(f.Data), Offload: f.Offload})
				default:
					got = append(got, nic.Frame{Data: bytes.Clone(f.Data), Offload: f.Offload})
				}
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		lb.Close()
		<-done
		t.Fatalf("%d of %d frames in 20s (stats %+v)", len(got), len(out), lb.Stats())
	}
	if len(got) != len(out) {
		t.Fatalf("%d frames", len(got))
	}
	// Twenty more super-frames through the queue's buffers, which the
	// taken ones no longer are.
	more := make([]nic.Frame, 20)
	for i := range more {
		more[i] = nic.Frame{Data: tcpFrame(lb.MAC(), la.MAC(), 1000, make([]byte, 20*mss)), Offload: off}
	}
	if n, err := la.WriteBatch(more); n != len(more) || err != nil {
		t.Fatalf("WriteBatch = %d, %v", n, err)
	}
	buf := make([]nic.Frame, 8)
	for seen, deadline := 0, time.Now().Add(10*time.Second); seen < len(more) && time.Now().Before(deadline); {
		n, err := lb.ReadBatch(buf)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range buf[:n] {
			if len(f.Data) > 2048 {
				seen++
			}
		}
	}
	if len(taken) != 2 || slotTaken != 0 {
		t.Fatalf("%d super-frames and %d frames in slots taken, want 2 and 0", len(taken), slotTaken)
	}
	defer func() {
		for _, r := range taken {
			r.Release()
		}
	}()
	for i := 0; i < len(out); i += 2 {
		f := got[i]
		if seq := binary.BigEndian.Uint32(f.Data[14:]); int(seq) != i/2+1 || len(f.Data) != len(out[i].Data) {
			t.Errorf("frame %d: %d bytes, seq %d; want %d bytes, seq %d", i, len(f.Data), seq, len(out[i].Data), i/2+1)
		}
	}
	for i := 1; i < len(out); i += 2 {
		s := got[i]
		if len(s.Data) != len(super) || !bytes.Equal(s.Data[54:], payload) {
			t.Fatalf("super-frame %d: %d bytes, want %d, payload equal %v", i, len(s.Data), len(super), bytes.Equal(s.Data[54:], payload))
		}
		if s.Offload.GSOType&^0x80 != 1 || s.Offload.GSOSize != mss {
			t.Errorf("super-frame %d offload %+v, want TCPv4 GSO of %d", i, s.Offload, mss)
		}
	}
}
