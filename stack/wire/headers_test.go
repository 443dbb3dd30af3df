package wire

import (
	"bytes"
	"errors"
	"testing"
)

func TestIPv4UDPGolden(t *testing.T) {
	pkt := mustHex(t, goldenUDP)
	ip, err := ParseIPv4(append(pkt, 0, 0, 0)) // link padding is cut off
	if err != nil {
		t.Fatal(err)
	}
	if ip.Src() != peerIP || ip.Dst() != dutIP || ip.Protocol() != ProtoUDP || ip.TTL() != 64 ||
		!ip.DF() || ip.MF() || ip.ID() != 0x1234 || ip.TotalLen() != len(pkt) || len(ip) != len(pkt) ||
		ip.IsFragment() || ip.HeaderLen() != 20 {
		t.Fatalf("fields wrong: %x", []byte(ip))
	}
	u, err := ParseUDP(ip.Payload())
	if err != nil {
		t.Fatal(err)
	}
	if u.SrcPort() != 40000 || u.DstPort() != 7 || string(u.Payload()) != "hello" || !u.VerifyChecksum(ip.Src(), ip.Dst()) {
		t.Fatalf("udp wrong: %x", []byte(u))
	}
	if u.VerifyChecksum(ip.Dst(), netip4(198, 18, 0, 3)) {
		t.Fatal("checksum verified against the wrong pseudo-header")
	}

	// Build the same datagram.
	out := filled(len(pkt))
	copy(out[28:], "hello")
	uh := UDPHeader{SrcPort: 40000, DstPort: 7, Src: peerIP, Dst: dutIP, PayloadLen: 5}
	uh.Encode(out[20:])
	ih := IPv4Header{ID: 0x1234, DF: true, TTL: 64, Protocol: ProtoUDP, Src: peerIP, Dst: dutIP, PayloadLen: 13}
	if n := ih.Encode(out); n != 20 {
		t.Fatalf("Encode = %d", n)
	}
	if !bytes.Equal(out, pkt) {
		t.Fatalf("built\n%x\nwant\n%x", out, pkt)
	}
}

func TestICMPGolden(t *testing.T) {
	pkt := mustHex(t, goldenICMP)
	ip, err := ParseIPv4(pkt)
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseICMPv4(ip.Payload())
	if err != nil {
		t.Fatal(err)
	}
	if m.Type() != ICMPEchoRequest || m.Code() != 0 || m.ID() != 0xbeef || m.Seq() != 1 || len(m.Payload()) != 16 {
		t.Fatalf("icmp wrong: %x", []byte(m))
	}
	out := filled(len(m))
	copy(out[8:], m.Payload())
	h := ICMPv4Header{Type: ICMPEchoRequest, Rest: 0xbeef0001, BodyLen: 16}
	h.Encode(out)
	if !bytes.Equal(out, m) {
		t.Fatalf("built %x want %x", out, []byte(m))
	}
	m[9] ^= 1
	if _, err := ParseICMPv4(m); !errors.Is(err, ErrBadChecksum) {
		t.Fatalf("corrupted: %v", err)
	}
}

func TestTCPGolden(t *testing.T) {
	pkt := mustHex(t, goldenTCP)
	ip, err := ParseIPv4(pkt)
	if err != nil {
		t.Fatal(err)
	}
	seg, err := ParseTCP(ip.Payload())
	if err != nil {
		t.Fatal(err)
	}
	if seg.SrcPort() != 40000 || seg.DstPort() != 80 || seg.Seq() != 1000 || seg.Ack() != 0 ||
		seg.Flags() != TCPFlagSYN || seg.Window() != 65535 || seg.HeaderLen() != 40 || len(seg.Payload()) != 0 ||
		!seg.VerifyChecksum(ip.Src(), ip.Dst()) {
		t.Fatalf("tcp wrong: %x", []byte(seg))
	}
	var o TCPOptions
	if err := ParseTCPOptions(seg.Options(), &o); err != nil {
		t.Fatal(err)
	}
	want := TCPOptions{HasMSS: true, MSS: 1460, SACKPermitted: true, HasTS: true, TSVal: 1, HasWScale: true, WScale: 7}
	if o != want {
		t.Fatalf("options %+v want %+v", o, want)
	}
	out := filled(len(seg))
	h := TCPHeader{SrcPort: 40000, DstPort: 80, Seq: 1000, Flags: TCPFlagSYN, Window: 65535,
		Options: seg.Options(), Src: peerIP, Dst: dutIP}
	if n := h.Encode(out); n != 40 {
		t.Fatalf("Encode = %d", n)
	}
	if !bytes.Equal(out, seg) {
		t.Fatalf("built %x want %x", out, []byte(seg))
	}
}

func TestTCPOptionsRoundTrip(t *testing.T) {
	cases := []TCPOptions{
		{},
		{HasMSS: true, MSS: 536},
		{HasWScale: true, WScale: 14},
		{SACKPermitted: true},
		{HasTS: true, TSVal: 7, TSEcr: 9},
		{HasMSS: true, MSS: 1460, HasWScale: true, WScale: 7, SACKPermitted: true, HasTS: true, TSVal: 1, TSEcr: 2},
		{HasTS: true, TSVal: 3, NumSACK: 3, SACK: [4]SACKBlock{{1, 2}, {3, 4}, {5, 6}}},
		{NumSACK: 4, SACK: [4]SACKBlock{{1, 2}, {3, 4}, {5, 6}, {7, 8}}},
	}
	for _, c := range cases {
		buf := filled(40)
		n := c.Encode(buf)
		if n != c.Len() || n%4 != 0 || n > 40 {
			t.Fatalf("%+v: Encode %d, Len %d", c, n, c.Len())
		}
		var got TCPOptions
		if err := ParseTCPOptions(buf[:n], &got); err != nil {
			t.Fatalf("%+v: %v (%x)", c, err, buf[:n])
		}
		if got != c {
			t.Fatalf("round trip %+v -> %x -> %+v", c, buf[:n], got)
		}
	}
	// Too many SACK blocks beside timestamps: the last ones are dropped.
	c := TCPOptions{HasMSS: true, MSS: 1, HasWScale: true, HasTS: true, NumSACK: 4, SACK: [4]SACKBlock{{1, 2}, {3, 4}, {5, 6}, {7, 8}}}
	buf := make([]byte, 40)
	n := c.Encode(buf)
	var got TCPOptions
	if err := ParseTCPOptions(buf[:n], &got); err != nil || got.NumSACK != 2 || !got.HasTS || n != c.Len() {
		t.Fatalf("overfull: n=%d %+v %v", n, got, err)
	}
}

func TestTCPOptionsMalformed(t *testing.T) {
	for _, c := range []struct {
		name string
		b    string
		err  error
	}{
		{"unknown skipped", "fe04 0000 0204 0218", nil},
		{"eol ends", "00ff ffff", nil},
		{"length 0", "0200", ErrBadOption},
		{"length 1", "0801", ErrBadOption},
		{"past end", "080a 0000", ErrBadOption},
		{"kind only", "02", ErrBadOption},
		{"mss wrong length", "0203 05", ErrBadOption},
		{"ws wrong length", "0304 0000", ErrBadOption},
		{"sack odd", "050a 0000 0001 0000 0002", nil},
		{"sack 5 blocks", "052a" + "0000000000000000000000000000000000000000000000000000000000000000000000000000000000", ErrBadOption},
		{"sack empty", "0502", ErrBadOption},
		{"ts short", "0808 0000 0000 0000", ErrBadOption},
		{"sackok with data", "0403 00", ErrBadOption},
	} {
		var o TCPOptions
		err := ParseTCPOptions(mustHex(t, c.b), &o)
		if c.name == "sack odd" {
			// 8 bytes of data: one block, well formed.
			if err != nil || o.NumSACK != 1 || o.SACK[0] != (SACKBlock{1, 2}) {
				t.Errorf("%s: %v %+v", c.name, err, o)
			}
			continue
		}
		if !errors.Is(err, c.err) && !(err == nil && c.err == nil) {
			t.Errorf("%s: err %v, want %v", c.name, err, c.err)
		}
	}
	var o TCPOptions
	if err := ParseTCPOptions(mustHex(t, "fe04 0000 0204 0218"), &o); err != nil || !o.HasMSS || o.MSS != 0x218 {
		t.Errorf("unknown option not skipped: %+v %v", o, err)
	}
}

func TestIPv4Malformed(t *testing.T) {
	good := mustHex(t, goldenUDP)
	mod := func(f func(b []byte) []byte) []byte {
		b := append([]byte(nil), good...)
		return f(b)
	}
	fix := func(b []byte) []byte {
		b[10], b[11] = 0, 0
		c := Checksum(b[:int(b[0]&15)*4], 0)
		b[10], b[11] = byte(c>>8), byte(c)
		return b
	}
	for _, c := range []struct {
		name string
		b    []byte
		err  error
	}{
		{"short", good[:19], ErrTruncated},
		{"version 6", mod(func(b []byte) []byte { b[0] = 0x65; return b }), ErrBadVersion},
		{"ihl 4", mod(func(b []byte) []byte { b[0] = 0x44; return b }), ErrBadHeader},
		{"ihl past end", mod(func(b []byte) []byte { b[0] = 0x4f; return b }), ErrTruncated},
		{"total < ihl", mod(func(b []byte) []byte { b[2], b[3] = 0, 19; return fix(b) }), ErrBadLength},
		{"total > len", mod(func(b []byte) []byte { b[3]++; return fix(b) }), ErrTruncated},
		{"checksum", mod(func(b []byte) []byte { b[8]--; return b }), ErrBadChecksum},
		{"bad option", fix(mod(func(b []byte) []byte {
			b = append(b[:20:20], append([]byte{0x44, 0x09, 0, 0}, b[20:]...)...)
			b[0] = 0x46
			b[3] += 4
			return b
		})), ErrBadOption},
	} {
		if _, err := ParseIPv4(c.b); !errors.Is(err, c.err) {
			t.Errorf("%s: err %v, want %v", c.name, err, c.err)
		}
	}
	// Options: a well-formed (unknown) option and a NOP are accepted.
	b := append(append([]byte(nil), good[:20]...), append([]byte{0x01, 0x88, 0x02, 0x00}, good[20:]...)...)
	b[0], b[3] = 0x46, b[3]+4
	fix(b)
	ip, err := ParseIPv4(b)
	if err != nil || ip.HeaderLen() != 24 || len(ip.Options()) != 4 || len(ip.Payload()) != 13 {
		t.Fatalf("options: %v", err)
	}
	ih := IPv4Header{Options: []byte{0x01, 0x88, 0x02}, TTL: 1, Protocol: 17, Src: peerIP, Dst: dutIP}
	out := filled(24)
	if n := ih.Encode(out); n != 24 || out[23] != 0 {
		t.Fatalf("options encode: %d %x", n, out)
	}
}

func TestUDPMalformed(t *testing.T) {
	if _, err := ParseUDP([]byte{1, 2, 3}); !errors.Is(err, ErrTruncated) {
		t.Error(err)
	}
	if _, err := ParseUDP(mustHex(t, "0001 0002 0007 0000")); !errors.Is(err, ErrBadLength) {
		t.Error(err)
	}
	if _, err := ParseUDP(mustHex(t, "0001 0002 0009 0000")); !errors.Is(err, ErrTruncated) {
		t.Error(err)
	}
	u, err := ParseUDP(mustHex(t, "0001 0002 0008 0000 ffff"))
	if err != nil || len(u) != 8 || !u.VerifyChecksum(peerIP, dutIP) {
		t.Errorf("zero checksum means none: %v", err)
	}
}

func TestEthernetARP(t *testing.T) {
	frame := mustHex(t, "ffffffffffff 020000000001 0806 0001 0800 0604 0001 020000000001 c6120001 000000000000 c6120002 0000")
	e, err := ParseEthernet(frame)
	if err != nil || e.EtherType() != EtherTypeARP || !IsBroadcast(e.Dst()) || e.Src() != [6]byte{2, 0, 0, 0, 0, 1} {
		t.Fatalf("eth: %v", err)
	}
	a, err := ParseARP(e.Payload())
	if err != nil || a.Op() != ARPRequest || a.SenderIP() != peerIP || a.TargetIP() != dutIP || len(a) != 28 {
		t.Fatalf("arp: %v", err)
	}
	out := filled(42)
	(&EthernetHeader{Dst: BroadcastMAC, Src: [6]byte{2, 0, 0, 0, 0, 1}, Type: EtherTypeARP}).Encode(out)
	(&ARPPacket{Op: ARPRequest, SenderMAC: [6]byte{2, 0, 0, 0, 0, 1}, SenderIP: peerIP, TargetIP: dutIP}).Encode(out[14:])
	if !bytes.Equal(out, frame[:42]) {
		t.Fatalf("built %x want %x", out, frame[:42])
	}
	// 802.1Q tag tolerated.
	tagged := append(append(append([]byte(nil), frame[:12]...), 0x81, 0x00, 0x00, 0x05), frame[12:]...)
	e, err = ParseEthernet(tagged)
	if err != nil || e.EtherType() != EtherTypeARP || e.VLAN() != 5 || e.HeaderLen() != 18 {
		t.Fatalf("tagged: %v", err)
	}
	if _, err := ParseEthernet(frame[:13]); !errors.Is(err, ErrTruncated) {
		t.Error(err)
	}
	if _, err := ParseEthernet(tagged[:17]); !errors.Is(err, ErrTruncated) {
		t.Error(err)
	}
	llc := append([]byte(nil), frame...)
	llc[12], llc[13] = 0, 46
	if _, err := ParseEthernet(llc); !errors.Is(err, ErrUnsupported) {
		t.Error(err)
	}
	if _, err := ParseARP(frame[14:41]); !errors.Is(err, ErrTruncated) {
		t.Error(err)
	}
	bad := append([]byte(nil), frame[14:]...)
	bad[1] = 6 // hardware type 6 (IEEE 802)
	if _, err := ParseARP(bad); !errors.Is(err, ErrUnsupported) {
		t.Error(err)
	}
}

func TestTCPMalformed(t *testing.T) {
	seg := mustHex(t, goldenTCP)[20:]
	if _, err := ParseTCP(seg[:19]); !errors.Is(err, ErrTruncated) {
		t.Error(err)
	}
	b := append([]byte(nil), seg...)
	b[12] = 0x40
	if _, err := ParseTCP(b); !errors.Is(err, ErrBadHeader) {
		t.Error(err)
	}
	b[12] = 0xf0
	if _, err := ParseTCP(b); !errors.Is(err, ErrTruncated) {
		t.Error(err)
	}
}
