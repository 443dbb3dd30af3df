package stack

import (
	"net/netip"
	"testing"

	"github.com/tcpbox/tcpbox/nic"
	"github.com/tcpbox/tcpbox/stack/wire"
)

// Every kind of bad frame is dropped under its own reason, and only that
// counter moves.
func TestDropReasons(t *testing.T) {
	udp := func(dport uint16) []byte { return udpPayload(peerIP, dutIP, 1, dport, []byte("data")) }
	good := ipFrame(wire.IPv4Header{Protocol: wire.ProtoUDP}, udp(7))
	mod := func(b []byte, f func([]byte)) []byte {
		c := append([]byte(nil), b...)
		f(c)
		return c
	}
	refix := func(b []byte) {
		b[24], b[25] = 0, 0
		c := wire.Checksum(b[14:14+int(b[14]&15)*4], 0)
		b[24], b[25] = byte(c>>8), byte(c)
	}
	arp := arpFrame(wire.ARPRequest, peerMAC, wire.BroadcastMAC, peerIP, [6]byte{}, dutIP)
	icmpBad := ipFrame(wire.IPv4Header{Protocol: wire.ProtoICMP}, echoRequest(1, 1, []byte("abcd")))
	icmpBad[len(icmpBad)-1] ^= 1
	cases := []struct {
		name   string
		frame  []byte
		reason DropReason
	}{
		{"short frame", good[:10], DropEthTruncated},
		{"802.3 length", mod(good, func(b []byte) { b[12], b[13] = 0, 50 }), DropEthUnsupported},
		{"other MAC", mod(good, func(b []byte) { b[5] ^= 1 }), DropEthNotForUs},
		{"multicast MAC", mod(good, func(b []byte) { b[0] = 0x01 }), DropEthNotForUs},
		{"IPv6", mod(good, func(b []byte) { b[12], b[13] = 0x86, 0xdd }), DropEtherType},
		{"ARP short", arp[:30], DropARPMalformed},
		{"ARP not Ethernet", mod(arp, func(b []byte) { b[15] = 6 }), DropARPUnsupported},
		{"IP short", good[:14+19], DropIPTruncated},
		{"IP version 6", mod(good, func(b []byte) { b[14] = 0x65 }), DropIPVersion},
		{"IP IHL 4", mod(good, func(b []byte) { b[14] = 0x44 }), DropIPHeaderLen},
		{"IP total < IHL", mod(good, func(b []byte) { b[16], b[17] = 0, 10; refix(b) }), DropIPLength},
		{"IP checksum", mod(good, func(b []byte) { b[22]-- }), DropIPChecksum},
		{"IP options", ipFrame(wire.IPv4Header{Protocol: wire.ProtoUDP, Options: []byte{0x44, 0x09, 0, 0}}, udp(7)), DropIPOptions},
		{"multicast source", ipFrame(wire.IPv4Header{Protocol: wire.ProtoUDP, Src: netip.MustParseAddr("224.0.0.1")}, udp(7)), DropIPBadSource},
		{"not ours", ipFrame(wire.IPv4Header{Protocol: wire.ProtoUDP, Dst: netip.MustParseAddr("198.18.0.3")}, udp(7)), DropIPNotOurs},
		{"protocol 99", ipFrame(wire.IPv4Header{Protocol: 99}, []byte("x")), DropIPProtocol},
		{"fragment not multiple of 8", ipFrame(wire.IPv4Header{Protocol: wire.ProtoUDP, MF: true, ID: 1}, make([]byte, 12)), DropFragInvalid},
		{"ICMP short", ipFrame(wire.IPv4Header{Protocol: wire.ProtoICMP}, []byte{8, 0, 0}), DropICMPMalformed},
		{"ICMP checksum", icmpBad, DropICMPChecksum},
		{"ICMP echo reply", ipFrame(wire.IPv4Header{Protocol: wire.ProtoICMP}, mod(echoRequest(1, 1, nil), func(b []byte) {
			b[0] = 0
			c := wire.Checksum(append(b[:2:2], append([]byte{0, 0}, b[4:]...)...), 0)
			b[2], b[3] = byte(c>>8), byte(c)
		})), DropICMPUnhandled},
		{"ICMP broadcast echo", ipFrame(wire.IPv4Header{Protocol: wire.ProtoICMP, Dst: netip.MustParseAddr("198.18.0.255")}, echoRequest(1, 1, nil)), DropICMPBroadcast},
		{"UDP short", ipFrame(wire.IPv4Header{Protocol: wire.ProtoUDP}, []byte{0, 1, 0, 7}), DropUDPMalformed},
		{"UDP checksum", mod(good, func(b []byte) { b[len(b)-1] ^= 1 }), DropUDPChecksum},
	}
	for _, c := range cases {
		s, _ := newSinkStack(t)
		if _, err := s.ListenUDP(netipAddrPort(7)); err != nil {
			t.Fatal(err)
		}
		before := s.Stats()
		s.input(&nic.Frame{Data: c.frame})
		after := s.Stats()
		for r := DropInvalid; r < NumDropReasons; r++ {
			want := before.Drops[r]
			if r == c.reason {
				want++
			}
			if r == DropRateLimited {
				continue // a protocol-unreachable may or may not have a token
			}
			if after.Drops[r] != want {
				t.Errorf("%s: %v = %d, want %d", c.name, r, after.Drops[r], want)
			}
		}
		if after.UDPIn != before.UDPIn {
			t.Errorf("%s: delivered", c.name)
		}
	}
}
