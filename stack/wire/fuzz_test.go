package wire

import (
	"testing"
)

// Each parser gets a target: it must never panic, and whatever it accepts
// must satisfy the invariants its accessors rely on.

func FuzzEthernet(f *testing.F) {
	f.Add(mustHex(f, "ffffffffffff 020000000001 0806 0001 0800 0604 0001"))
	f.Add(mustHex(f, "ffffffffffff 020000000001 8100 0005 0800 45"))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := ParseEthernet(b)
		if err != nil {
			return
		}
		_, _, _, _ = e.Dst(), e.Src(), e.EtherType(), e.VLAN()
		if len(e.Payload())+e.HeaderLen() != len(b) {
			t.Fatal("payload length")
		}
	})
}

func FuzzARP(f *testing.F) {
	f.Add(mustHex(f, "0001 0800 0604 0001 020000000001 c6120001 000000000000 c6120002"))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := ParseARP(b)
		if err != nil {
			return
		}
		_, _, _, _, _ = a.Op(), a.SenderMAC(), a.SenderIP(), a.TargetMAC(), a.TargetIP()
		var p ARPPacket = ARPPacket{Op: a.Op(), SenderMAC: a.SenderMAC(), SenderIP: a.SenderIP(), TargetMAC: a.TargetMAC(), TargetIP: a.TargetIP()}
		out := make([]byte, ARPLen)
		p.Encode(out)
		if string(out) != string(a) {
			t.Fatalf("re-encoding differs: %x %x", out, []byte(a))
		}
	})
}

func FuzzIPv4(f *testing.F) {
	f.Add(mustHex(f, goldenUDP))
	f.Add(mustHex(f, goldenICMP))
	f.Add(mustHex(f, goldenTCP))
	f.Fuzz(func(t *testing.T, b []byte) {
		ip, err := ParseIPv4(b)
		if err != nil {
			return
		}
		_, _, _, _, _ = ip.Src(), ip.Dst(), ip.Options(), ip.FragOffset(), ip.ID()
		if ip.HeaderLen()+len(ip.Payload()) != ip.TotalLen() || Sum(ip.Header(), 0) != 0xffff {
			t.Fatal("invariant")
		}
	})
}

func FuzzICMPv4(f *testing.F) {
	f.Add(mustHex(f, goldenICMP)[20:])
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseICMPv4(b)
		if err != nil {
			return
		}
		_, _, _, _, _ = m.Type(), m.Code(), m.ID(), m.Seq(), m.NextHopMTU()
		out := make([]byte, len(m))
		copy(out[8:], m.Payload())
		h := ICMPv4Header{Type: m.Type(), Code: m.Code(), Rest: m.Rest(), BodyLen: len(m.Payload())}
		h.Encode(out)
		if Sum(out, 0) != 0xffff {
			t.Fatal("re-encoded message does not verify")
		}
	})
}

func FuzzUDP(f *testing.F) {
	f.Add(mustHex(f, goldenUDP)[20:])
	f.Fuzz(func(t *testing.T, b []byte) {
		u, err := ParseUDP(b)
		if err != nil {
			return
		}
		_ = u.VerifyChecksum(peerIP, dutIP)
		if len(u.Payload())+UDPHeaderLen != u.Length() {
			t.Fatal("length")
		}
	})
}

func FuzzTCP(f *testing.F) {
	f.Add(mustHex(f, goldenTCP)[20:])
	f.Fuzz(func(t *testing.T, b []byte) {
		seg, err := ParseTCP(b)
		if err != nil {
			return
		}
		_, _, _, _ = seg.Seq(), seg.Ack(), seg.Flags(), seg.VerifyChecksum(peerIP, dutIP)
		if len(seg.Options())+TCPMinHeaderLen+len(seg.Payload()) != len(b) {
			t.Fatal("lengths")
		}
		var o TCPOptions
		_ = ParseTCPOptions(seg.Options(), &o)
	})
}

func FuzzTCPOptions(f *testing.F) {
	f.Add(mustHex(f, goldenTCP)[40:])
	f.Add(mustHex(f, "0101 050a 0000 0001 0000 0002"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var o TCPOptions
		if err := ParseTCPOptions(b, &o); err != nil {
			return
		}
		// What parsed re-encodes and parses back to the same options
		// (SACK blocks beyond what fits are dropped by Encode).
		buf := make([]byte, 40)
		n := o.Encode(buf)
		var back TCPOptions
		if err := ParseTCPOptions(buf[:n], &back); err != nil {
			t.Fatalf("re-encoded options do not parse: %v %x", err, buf[:n])
		}
		o.NumSACK = o.sackFit()
		for i := o.NumSACK; i < 4; i++ {
			o.SACK[i] = SACKBlock{}
		}
		if back != o {
			t.Fatalf("round trip %+v -> %+v", o, back)
		}
	})
}
