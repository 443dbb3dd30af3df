package stack

import (
	"net/netip"
	"testing"

	"github.com/tcpbox/tcpbox/nic"
	"github.com/tcpbox/tcpbox/stack/wire"
)

// A kernel peer on a veth with checksum offload on sends TCP segments
// holding only the pseudo-header sum, flagged NeedsChecksum by the link:
// TCP takes them (the link vouches), while the same bytes without the
// flag are a checksum error.
func TestTCPPartialChecksumFromLink(t *testing.T) {
	h := newHarness(t, Options{})
	ln, err := h.s.ListenTCP(netip.AddrPortFrom(dutIP, 9))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	h.learnPeer()
	seg := make([]byte, 20)
	(&wire.TCPHeader{SrcPort: 40000, DstPort: 9, Seq: 1000, Flags: 0x02, Window: 65535, Src: peerIP, Dst: dutIP}).Encode(seg)
	ps := wire.PseudoHeaderSum(wire.ProtoTCP, peerIP, dutIP, uint16(len(seg)))
	seg[16], seg[17] = byte(ps>>8), byte(ps) // only the partial sum, as offload leaves it
	fr := ipFrame(wire.IPv4Header{Protocol: wire.ProtoTCP}, seg)

	h.in(fr) // no offload flag: a bad checksum
	h.waitDrop(DropTCPChecksum, 1)

	if _, err := h.peer.WriteBatch([]nic.Frame{{Data: fr, Offload: nic.Offload{NeedsChecksum: true, CsumStart: 34, CsumOffset: 16}}}); err != nil {
		t.Fatal(err)
	}
	p := h.outIPv4(wire.ProtoTCP)
	th, err := wire.ParseTCP(p.Payload())
	if err != nil {
		t.Fatal(err)
	}
	if th.Flags() != 0x12 || th.Ack() != 1001 || !th.VerifyChecksum(dutIP, peerIP) {
		t.Fatalf("answer flags %#x ack %d checksum ok %v", th.Flags(), th.Ack(), th.VerifyChecksum(dutIP, peerIP))
	}
	if n := h.s.Stats().Drops[DropTCPChecksum]; n != 1 {
		t.Fatalf("%d checksum drops, want 1", n)
	}
}
