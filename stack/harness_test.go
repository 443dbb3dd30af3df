package stack

import (
	"encoding/hex"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/nic"
	"github.com/tcpbox/tcpbox/nic/memlink"
	"github.com/tcpbox/tcpbox/stack/wire"
)

// The harness puts one stack on a memlink and lets a test play the other
// end frame by frame: h.in(frame) writes to the stack, h.out() waits for
// the next frame it sends.

var (
	dutMAC  = [6]byte{0x02, 0, 0, 0, 0, 0x02}
	peerMAC = [6]byte{0x02, 0, 0, 0, 0, 0x01}
	dutIP   = netip.MustParseAddr("198.18.0.2")
	peerIP  = netip.MustParseAddr("198.18.0.1")
	dutNet  = netip.MustParsePrefix("198.18.0.2/24")
)

// ioTimeout is generous: a loaded 2-core machine may stall a goroutine.
const ioTimeout = 10 * time.Second

type harness struct {
	t     *testing.T
	s     *Stack
	peer  nic.Link
	clock *ManualClock
	rx    chan []byte
}

func newHarness(t *testing.T, opts Options) *harness {
	t.Helper()
	return newHarnessWrap(t, opts, nil)
}

// newHarnessWrap is newHarness with the stack's end of the link wrapped
// by wrap (nil: not wrapped).
func newHarnessWrap(t *testing.T, opts Options, wrap func(nic.Link) nic.Link) *harness {
	t.Helper()
	var a nic.Link
	a, b := memlink.Pair(1500, dutMAC, peerMAC)
	if wrap != nil {
		a = wrap(a)
	}
	clk := NewManualClock()
	opts.Clock = clk
	if !opts.DHCP && !opts.Addr.IsValid() {
		opts.Addr = dutNet
	}
	s, err := New(a, opts)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, s: s, peer: b, clock: clk, rx: make(chan []byte, 1024)}
	go func() {
		frames := make([]nic.Frame, 64)
		for {
			n, err := b.ReadBatch(frames)
			for i := 0; i < n; i++ {
				h.rx <- append([]byte(nil), frames[i].Data...)
			}
			if err != nil {
				close(h.rx)
				return
			}
		}
	}()
	t.Cleanup(func() {
		s.Close()
		b.Close()
		for range h.rx {
		}
	})
	return h
}

// in writes one frame to the stack.
func (h *harness) in(frame []byte) {
	h.t.Helper()
	if _, err := h.peer.WriteBatch([]nic.Frame{{Data: frame}}); err != nil {
		h.t.Fatal(err)
	}
}

// out returns the next frame the stack sent.
func (h *harness) out() []byte {
	h.t.Helper()
	select {
	case f, ok := <-h.rx:
		if !ok {
			h.t.Fatal("link closed")
		}
		return f
	case <-time.After(ioTimeout):
		h.t.Fatal("no frame from the stack")
	}
	return nil
}

// outType skips frames until one of the given EtherType and IP protocol
// (0: any) arrives, failing after ioTimeout.
func (h *harness) outIPv4(proto uint8) wire.IPv4 {
	h.t.Helper()
	deadline := time.After(ioTimeout)
	for {
		select {
		case f := <-h.rx:
			e, err := wire.ParseEthernet(f)
			if err != nil || e.EtherType() != wire.EtherTypeIPv4 {
				continue
			}
			p, err := wire.ParseIPv4(e.Payload())
			if err != nil {
				h.t.Fatalf("stack sent a bad IPv4 packet: %v %x", err, f)
			}
			if proto == 0 || p.Protocol() == proto {
				return p
			}
		case <-deadline:
			h.t.Fatalf("no IPv4 proto %d from the stack", proto)
		}
	}
}

// waitDrop waits until the drop counter for r reaches n.
func (h *harness) waitDrop(r DropReason, n uint64) {
	h.t.Helper()
	deadline := time.Now().Add(ioTimeout)
	for h.s.Stats().Drops[r] < n {
		if time.Now().After(deadline) {
			h.t.Fatalf("drop %v = %d, want %d", r, h.s.Stats().Drops[r], n)
		}
		time.Sleep(time.Millisecond)
	}
}

// learnPeer teaches the stack the peer's MAC by asking for the stack's
// (RFC 826: a request for us adds the sender) and consumes the reply.
func (h *harness) learnPeer() {
	h.t.Helper()
	h.in(arpFrame(wire.ARPRequest, peerMAC, wire.BroadcastMAC, peerIP, [6]byte{}, dutIP))
	for {
		f := h.out()
		e, _ := wire.ParseEthernet(f)
		if e.EtherType() == wire.EtherTypeARP {
			if a, _ := wire.ParseARP(e.Payload()); a.Op() == wire.ARPReply {
				return
			}
		}
	}
}

func arpFrame(op uint16, src, dst [6]byte, sip netip.Addr, tmac [6]byte, tip netip.Addr) []byte {
	f := make([]byte, 60) // minimum frame, padded
	(&wire.EthernetHeader{Dst: dst, Src: src, Type: wire.EtherTypeARP}).Encode(f)
	(&wire.ARPPacket{Op: op, SenderMAC: src, SenderIP: sip, TargetMAC: tmac, TargetIP: tip}).Encode(f[14:])
	return f
}

// ipFrame builds an Ethernet+IPv4 frame from the peer to the stack.
func ipFrame(h wire.IPv4Header, payload []byte) []byte {
	h.PayloadLen = len(payload)
	if h.TTL == 0 {
		h.TTL = 64
	}
	if !h.Src.IsValid() {
		h.Src = peerIP
	}
	if !h.Dst.IsValid() {
		h.Dst = dutIP
	}
	f := make([]byte, 14+h.HeaderLen()+len(payload))
	(&wire.EthernetHeader{Dst: dutMAC, Src: peerMAC, Type: wire.EtherTypeIPv4}).Encode(f)
	n := h.Encode(f[14:])
	copy(f[14+n:], payload)
	return f
}

func udpPayload(src, dst netip.Addr, sport, dport uint16, data []byte) []byte {
	b := make([]byte, 8+len(data))
	copy(b[8:], data)
	(&wire.UDPHeader{SrcPort: sport, DstPort: dport, Src: src, Dst: dst, PayloadLen: len(data)}).Encode(b)
	return b
}

func echoRequest(id, seq uint16, data []byte) []byte {
	b := make([]byte, 8+len(data))
	copy(b[8:], data)
	(&wire.ICMPv4Header{Type: wire.ICMPEchoRequest, Rest: uint32(id)<<16 | uint32(seq), BodyLen: len(data)}).Encode(b)
	return b
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.NewReplacer(" ", "", "\n", "").Replace(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var errTest = errors.New("test")

func netipAddrPort(port uint16) netip.AddrPort { return netip.AddrPortFrom(netip.Addr{}, port) }

// waitFrag waits until n fragments were received.
func (h *harness) waitFrag(n uint64) {
	h.t.Helper()
	h.waitStat(func(s Stats) bool { return s.FragmentsIn >= n })
}

// waitICMPIn waits until n ICMP messages were taken in.
func (h *harness) waitICMPIn(n uint64) {
	h.t.Helper()
	h.waitStat(func(s Stats) bool { return s.ICMPIn >= n })
}

func (h *harness) waitStat(ok func(Stats) bool) {
	h.t.Helper()
	deadline := time.Now().Add(ioTimeout)
	for !ok(h.s.Stats()) {
		if time.Now().After(deadline) {
			h.t.Fatalf("stats never reached the condition: %+v", h.s.Stats())
		}
		time.Sleep(time.Millisecond)
	}
}

// barrier returns the frames the stack sends before it answers an ARP
// request sent now: the receive goroutine handles frames in order, so
// whatever earlier input caused is among them.
func (h *harness) barrier() [][]byte {
	h.t.Helper()
	h.in(arpFrame(wire.ARPRequest, peerMAC, wire.BroadcastMAC, peerIP, [6]byte{}, dutIP))
	var before [][]byte
	for {
		f := h.out()
		if e, err := wire.ParseEthernet(f); err == nil && e.EtherType() == wire.EtherTypeARP {
			if a, err := wire.ParseARP(e.Payload()); err == nil && a.Op() == wire.ARPReply && a.TargetIP() == peerIP {
				return before
			}
		}
		before = append(before, f)
	}
}
