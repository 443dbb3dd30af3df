package stack

import (
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/tcpbox/tcpbox/stack/wire"
)

// fragNeeded is an ICMP fragmentation-needed message from a router
// (198.18.0.254) reporting mtu for a TCP segment sport -> dport with
// sequence seq, as the stack sent it (RFC 792: IP header and 8 bytes).
func fragNeeded(mtu int, sport, dport uint16, seq uint32) []byte {
	quote := make([]byte, 28)
	(&wire.IPv4Header{DF: true, TTL: 63, Protocol: wire.ProtoTCP, Src: dutIP, Dst: peerIP, PayloadLen: 556}).Encode(quote)
	binary.BigEndian.PutUint16(quote[20:], sport)
	binary.BigEndian.PutUint16(quote[22:], dport)
	binary.BigEndian.PutUint32(quote[24:], seq)
	msg := make([]byte, 8+len(quote))
	copy(msg[8:], quote)
	(&wire.ICMPv4Header{Type: wire.ICMPDestUnreach, Code: wire.CodeFragNeeded, Rest: uint32(mtu), BodyLen: len(quote)}).Encode(msg)
	return ipFrame(wire.IPv4Header{Protocol: wire.ProtoICMP, Src: netip.MustParseAddr("198.18.0.254")}, msg)
}

// A fragmentation-needed message quoting a segment in flight makes the
// connection resend in smaller segments; one quoting another connection
// or data not in flight changes nothing (RFC 5927 §4.1).
func TestTCPPathMTUFromICMP(t *testing.T) {
	sc := newStallConn(t)
	// The peer's SYN had no MSS option: 536 (RFC 9293 §3.7.1). Two
	// full segments more.
	const more = 2 * 536
	if _, err := sc.c.Write(make([]byte, more)); err != nil {
		t.Fatal(err)
	}
	big := sc.nextTCP(t, func(s wire.TCP) bool { return len(s.Payload()) == 536 })
	sc.nextTCP(t, func(s wire.TCP) bool { return len(s.Payload()) == 536 })
	una := sc.dataEnd - 100
	for name, f := range map[string][]byte{
		"another port":      fragNeeded(552, 9, 40001, big.Seq()),
		"sequence acked":    fragNeeded(552, 9, 40000, una-1),
		"sequence not sent": fragNeeded(552, 9, 40000, sc.dataEnd+more),
	} {
		sc.h.in(f)
		if got := sc.h.barrier(); len(got) != 0 {
			t.Fatalf("%s: the stack sent %d frames", name, len(got))
		}
		if i := sc.c.TCPInfo(); i.SndMSS != 536 {
			t.Fatalf("%s: SndMSS %d, want 536 unchanged", name, i.SndMSS)
		}
	}
	sc.h.in(fragNeeded(552, 9, 40000, big.Seq()))
	next := una
	for next != sc.dataEnd+more {
		s := sc.nextTCP(t, func(s wire.TCP) bool { return len(s.Payload()) > 0 })
		if s.Seq() != next || len(s.Payload()) > 512 {
			t.Fatalf("resent %d bytes at %d, want at most 512 at %d", len(s.Payload()), s.Seq(), next)
		}
		next = s.Seq() + uint32(len(s.Payload()))
	}
	i := sc.c.TCPInfo()
	if i.SndMSS != 512 || i.PMTU != 552 || i.RTORetrans != 0 {
		t.Fatalf("SndMSS %d PMTU %d RTO retransmissions %d; want 512, 552, 0", i.SndMSS, i.PMTU, i.RTORetrans)
	}
}
