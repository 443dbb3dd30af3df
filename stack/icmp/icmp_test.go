package icmp

import (
	"net/netip"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/stack/wire"
)

func TestEchoReplyInPlace(t *testing.T) {
	for _, n := range []int{0, 1, 56, 1472, 65507} {
		msg := make([]byte, 8+n)
		for i := range msg[8:] {
			msg[8+i] = byte(i * 13)
		}
		(&wire.ICMPv4Header{Type: wire.ICMPEchoRequest, Rest: 0x12340005, BodyLen: n}).Encode(msg)
		EchoReply(msg)
		m, err := wire.ParseICMPv4(msg)
		if err != nil || m.Type() != wire.ICMPEchoReply || m.Code() != 0 || m.ID() != 0x1234 || m.Seq() != 5 {
			t.Fatalf("size %d: %v %x", n, err, msg[:8])
		}
	}
}

func datagram(t *testing.T, h wire.IPv4Header, payload []byte) wire.IPv4 {
	h.PayloadLen = len(payload)
	h.TTL = 64
	b := make([]byte, 20+len(payload))
	h.Encode(b)
	copy(b[20:], payload)
	p, err := wire.ParseIPv4(b)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestMayReplyError(t *testing.T) {
	a, b := netip.MustParseAddr("198.18.0.1"), netip.MustParseAddr("198.18.0.2")
	udp := datagram(t, wire.IPv4Header{Protocol: 17, Src: a, Dst: b}, make([]byte, 20))
	if !MayReplyError(udp, false, false) {
		t.Fatal("plain UDP refused")
	}
	if MayReplyError(udp, true, false) || MayReplyError(udp, false, true) {
		t.Fatal("broadcast allowed")
	}
	if MayReplyError(datagram(t, wire.IPv4Header{Protocol: 17, Src: a, Dst: b, FragOffset: 8}, make([]byte, 8)), false, false) {
		t.Fatal("non-initial fragment allowed")
	}
	unreach := make([]byte, 8)
	unreach[0] = wire.ICMPDestUnreach
	if MayReplyError(datagram(t, wire.IPv4Header{Protocol: 1, Src: a, Dst: b}, unreach), false, false) {
		t.Fatal("error about an ICMP error allowed")
	}
	echo := make([]byte, 8)
	echo[0] = wire.ICMPEchoRequest
	if !MayReplyError(datagram(t, wire.IPv4Header{Protocol: 1, Src: a, Dst: b}, echo), false, false) {
		t.Fatal("error about an echo request refused")
	}
	if MayReplyError(datagram(t, wire.IPv4Header{Protocol: 17, Src: netip.IPv4Unspecified(), Dst: b}, nil), false, false) {
		t.Fatal("error to 0.0.0.0 allowed")
	}
	if ErrorBodyLen(udp) != 28 {
		t.Fatal("body length")
	}
}

func TestLimiter(t *testing.T) {
	l := NewLimiter(10, 5)
	n := 0
	for i := 0; i < 100; i++ {
		if l.Allow(0) {
			n++
		}
	}
	if n != 5 {
		t.Fatalf("burst %d", n)
	}
	n = 0
	for ms := 1; ms <= 1000; ms++ {
		if l.Allow(time.Duration(ms) * time.Millisecond) {
			n++
		}
	}
	if n != 10 {
		t.Fatalf("rate: %d in 1 s, want 10", n)
	}
}

func TestPMTU(t *testing.T) {
	p := NewPMTU(2, time.Minute)
	quoted := make([]byte, 28)
	(&wire.IPv4Header{TTL: 1, Protocol: 17, Src: netip.MustParseAddr("198.18.0.2"), Dst: netip.MustParseAddr("198.18.9.9"), PayloadLen: 1472}).Encode(quoted)
	dst, mtu, ok := p.Learn(0, 1400, quoted, 1500)
	if !ok || mtu != 1400 || dst != netip.MustParseAddr("198.18.9.9") {
		t.Fatalf("learn %v %d %v", dst, mtu, ok)
	}
	if got := p.Lookup(time.Second, dst, 1500); got != 1400 {
		t.Fatalf("lookup %d", got)
	}
	if got := p.Lookup(2*time.Minute, dst, 1500); got != 1500 {
		t.Fatalf("after ttl %d", got)
	}
	// An older router's zero MTU: next plateau below 1492 (the quoted length).
	if _, mtu, _ := p.Learn(0, 0, quoted, 1500); mtu != 1006 {
		t.Fatalf("plateau %d", mtu)
	}
	// Never below 68, never raises.
	if _, mtu, _ := p.Learn(0, 20, quoted, 1500); mtu != 68 {
		t.Fatalf("floor %d", mtu)
	}
	if _, _, ok := p.Learn(0, 9000, quoted, 1500); ok {
		t.Fatal("learned a larger MTU")
	}
	if _, _, ok := p.Learn(0, 1000, quoted[:10], 1500); ok {
		t.Fatal("short quote accepted")
	}
	// Bounded.
	for i := 0; i < 10; i++ {
		q := append([]byte(nil), quoted...)
		q[19] = byte(i)
		p.Learn(0, 1000, q, 1500)
	}
	if len(p.entries) > 2 {
		t.Fatalf("%d entries", len(p.entries))
	}
}

func FuzzPMTULearn(f *testing.F) {
	q := make([]byte, 28)
	(&wire.IPv4Header{TTL: 1, Protocol: 17, Src: netip.MustParseAddr("198.18.0.2"), Dst: netip.MustParseAddr("198.18.9.9"), PayloadLen: 1472}).Encode(q)
	f.Add(uint16(1400), q)
	f.Fuzz(func(t *testing.T, mtu uint16, body []byte) {
		p := NewPMTU(4, time.Minute)
		if _, m, ok := p.Learn(0, mtu, body, 1500); ok && (m < MinMTU || m >= 1500) {
			t.Fatalf("learned %d", m)
		}
	})
}
