package stack

import (
	"testing"

	"github.com/tcpbox/tcpbox/stack/wire"
)

// Without SACK, out-of-order segments within one receive batch are each
// answered by a duplicate ACK at once (RFC 5681 §4.2), not by one ACK at
// the batch's end: the sender counts duplicate ACKs to reach its
// DupThresh (RFC 5681 §3.2). The segment that fills the gap is ACKed too.
func TestTCPOutOfOrderInBatchAckedEach(t *testing.T) {
	sc := newStallConn(t)
	s := sc.h.s
	// Acknowledge our data first so that the ACKs counted below are
	// only those for the peer's segments.
	sc.h.in(sc.frame(wire.TCPFlagACK, sc.peerNext, sc.dataEnd))
	sc.h.barrier()

	const size = 100
	data := func(seq uint32) []byte {
		b := make([]byte, wire.TCPMinHeaderLen+size)
		(&wire.TCPHeader{SrcPort: 40000, DstPort: 9, Seq: seq, Ack: sc.dataEnd, Flags: wire.TCPFlagACK | wire.TCPFlagPSH,
			Window: 65535, Src: peerIP, Dst: dutIP, PayloadLen: size}).Encode(b)
		return b
	}
	// The receive goroutine's role: one batch holding three segments
	// beyond a gap of one segment, then the one that fills it.
	s.tcpBeginBatch()
	for i := uint32(1); i <= 3; i++ {
		s.tcpInput(peerIP, dutIP, 0, data(sc.peerNext+i*size))
	}
	s.tcpInput(peerIP, dutIP, 0, data(sc.peerNext))
	s.tcpEndBatch()

	var acks []uint32
	for _, f := range sc.h.barrier() {
		e, err := wire.ParseEthernet(f)
		if err != nil || e.EtherType() != wire.EtherTypeIPv4 {
			continue
		}
		p, err := wire.ParseIPv4(e.Payload())
		if err != nil || p.Protocol() != wire.ProtoTCP {
			continue
		}
		seg, err := wire.ParseTCP(p.Payload())
		if err != nil || seg.Flags()&wire.TCPFlagACK == 0 || len(seg.Payload()) != 0 {
			continue
		}
		acks = append(acks, seg.Ack())
	}
	want := []uint32{sc.peerNext, sc.peerNext, sc.peerNext, sc.peerNext + 4*size}
	if len(acks) != len(want) {
		t.Fatalf("ACKs %v, want %v: one duplicate ACK per out-of-order segment and one when the gap fills", acks, want)
	}
	for i := range want {
		if acks[i] != want[i] {
			t.Fatalf("ACKs %v, want %v", acks, want)
		}
	}
}
