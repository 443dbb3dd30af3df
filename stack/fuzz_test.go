package stack

import (
	"testing"

	"github.com/tcpbox/tcpbox/nic"
	"github.com/tcpbox/tcpbox/stack/wire"
)

// FuzzInput drives the whole receive path with arbitrary frames. Nothing
// may panic, and every frame must leave a trace: a drop counted by
// reason, or one of the counters of frames taken in (ARP, ICMP, UDP,
// fragments) or sent.
func FuzzInput(f *testing.F) {
	syn := make([]byte, 20)
	(&wire.TCPHeader{SrcPort: 1, DstPort: 80, Seq: 1, Flags: wire.TCPFlagSYN, Src: peerIP, Dst: dutIP}).Encode(syn)
	seeds := [][]byte{
		arpFrame(wire.ARPRequest, peerMAC, wire.BroadcastMAC, peerIP, [6]byte{}, dutIP),
		arpFrame(wire.ARPReply, peerMAC, dutMAC, peerIP, dutMAC, dutIP),
		ipFrame(wire.IPv4Header{Protocol: wire.ProtoICMP}, echoRequest(1, 2, []byte("abcdefgh"))),
		ipFrame(wire.IPv4Header{Protocol: wire.ProtoUDP}, udpPayload(peerIP, dutIP, 1, 7, []byte("x"))),
		ipFrame(wire.IPv4Header{Protocol: wire.ProtoUDP}, udpPayload(peerIP, dutIP, 1, 9, []byte("x"))),
		ipFrame(wire.IPv4Header{Protocol: wire.ProtoTCP}, syn),
		ipFrame(wire.IPv4Header{Protocol: wire.ProtoUDP, MF: true, ID: 5}, make([]byte, 16)),
		ipFrame(wire.IPv4Header{Protocol: wire.ProtoUDP, FragOffset: 16, ID: 5}, make([]byte, 8)),
		ipFrame(wire.IPv4Header{Protocol: 99}, []byte("?")),
		ipFrame(wire.IPv4Header{Protocol: wire.ProtoICMP, Options: []byte{1, 1, 1, 0}}, echoRequest(1, 2, nil)),
	}
	for _, s := range seeds {
		f.Add(s)
	}
	// A DHCP reply to the client's port, as a seed for the DHCP stack.
	offer := make([]byte, 300)
	offer[0], offer[1], offer[2] = 2, 1, 6
	copy(offer[236:], []byte{99, 130, 83, 99, 53, 1, 2, 255})
	f.Add(ipFrame(wire.IPv4Header{Protocol: wire.ProtoUDP}, udpPayload(peerIP, dutIP, 67, 68, offer)))

	static, _ := newSinkStack(f)
	if _, err := static.ListenUDP(netipAddrPort(7)); err != nil {
		f.Fatal(err)
	}
	// The same input through a stack still waiting for its DHCP lease,
	// which takes datagrams to port 68 whatever their destination.
	dl := newSinkLink()
	dyn, err := New(dl, Options{DHCP: true, Clock: NewManualClock()})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { dyn.Close() })
	f.Fuzz(func(t *testing.T, frame []byte) {
		for _, s := range []*Stack{static, dyn} {
			before := s.Stats()
			s.input(&nic.Frame{Data: frame})
			after := s.Stats()
			if after.TotalDrops() == before.TotalDrops() && after.ARPIn == before.ARPIn && after.ICMPIn == before.ICMPIn &&
				after.UDPIn == before.UDPIn && after.FragmentsIn == before.FragmentsIn && after.TxFrames == before.TxFrames &&
				after.DHCPIn == before.DHCPIn {
				t.Fatalf("frame left no trace in the counters: %x", frame)
			}
		}
	})
}
