package stack

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/stack/wire"
)

func TestGratuitousARPAtStart(t *testing.T) {
	h := newHarness(t, Options{})
	for i := 0; i < 2; i++ {
		f := h.out()
		e, err := wire.ParseEthernet(f)
		if err != nil || !wire.IsBroadcast(e.Dst()) || e.Src() != dutMAC || e.EtherType() != wire.EtherTypeARP {
			t.Fatalf("announcement %d: %x", i, f)
		}
		a, err := wire.ParseARP(e.Payload())
		if err != nil || a.Op() != wire.ARPRequest || a.SenderIP() != dutIP || a.TargetIP() != dutIP || a.SenderMAC() != dutMAC {
			t.Fatalf("announcement %d: %x", i, f)
		}
		if i == 0 {
			h.clock.Advance(2 * time.Second) // RFC 5227 ANNOUNCE_INTERVAL
		}
	}
}

func TestARPReplyOnlyForOurAddress(t *testing.T) {
	h := newHarness(t, Options{})
	h.out() // first announcement
	h.in(arpFrame(wire.ARPRequest, peerMAC, wire.BroadcastMAC, peerIP, [6]byte{}, netip.MustParseAddr("198.18.0.3")))
	h.in(arpFrame(wire.ARPRequest, peerMAC, wire.BroadcastMAC, peerIP, [6]byte{}, dutIP))
	f := h.out()
	e, _ := wire.ParseEthernet(f)
	a, err := wire.ParseARP(e.Payload())
	if err != nil || a.Op() != wire.ARPReply || e.Dst() != peerMAC || a.SenderIP() != dutIP || a.SenderMAC() != dutMAC ||
		a.TargetIP() != peerIP || a.TargetMAC() != peerMAC {
		t.Fatalf("reply %x", f)
	}
	if st := h.s.Stats(); st.ARPReplies != 1 {
		t.Fatalf("ARPReplies = %d (the request for .3 must not be answered)", st.ARPReplies)
	}
}

func TestEchoReply(t *testing.T) {
	h := newHarness(t, Options{})
	h.learnPeer()
	for _, size := range []int{0, 56, 1472, 4000, 65507} {
		data := bytes.Repeat([]byte{byte(size)}, size)
		msg := echoRequest(0x77, uint16(size), data)
		if len(msg)+20 <= 1500 {
			h.in(ipFrame(wire.IPv4Header{Protocol: wire.ProtoICMP, TOS: 0x10}, msg))
		} else {
			sendFragments(h, wire.IPv4Header{Protocol: wire.ProtoICMP, ID: uint16(size), TOS: 0x10}, msg, 1480)
		}
		got := collectDatagram(h, wire.ProtoICMP)
		m, err := wire.ParseICMPv4(got.Payload())
		if err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		if m.Type() != wire.ICMPEchoReply || m.ID() != 0x77 || m.Seq() != uint16(size) || !bytes.Equal(m.Payload(), data) ||
			got.Src() != dutIP || got.Dst() != peerIP || got.TOS() != 0x10 {
			t.Fatalf("size %d: bad reply type %d id %x seq %d len %d", size, m.Type(), m.ID(), m.Seq(), len(m.Payload()))
		}
	}
}

// sendFragments sends payload as fragments with at most per data bytes
// each (a multiple of 8).
func sendFragments(h *harness, hdr wire.IPv4Header, payload []byte, per int) {
	for off := 0; off < len(payload); off += per {
		n := min(per, len(payload)-off)
		fh := hdr
		fh.FragOffset, fh.MF = off, off+n < len(payload)
		h.in(ipFrame(fh, payload[off:off+n]))
	}
}

// collectDatagram reads IPv4 frames of proto until a whole datagram is
// there, reassembling fragments itself (independently of stack/ip), and
// returns it with a header fixed up as unfragmented.
func collectDatagram(h *harness, proto uint8) wire.IPv4 {
	h.t.Helper()
	var hdr []byte
	var data []byte
	have := 0
	total := -1
	for {
		p := h.outIPv4(proto)
		if !p.IsFragment() {
			return p
		}
		if p.HeaderLen()+len(p.Payload()) > 1500 {
			h.t.Fatalf("fragment larger than the MTU: %d", len(p))
		}
		end := p.FragOffset() + len(p.Payload())
		if end > len(data) {
			data = append(data, make([]byte, end-len(data))...)
		}
		copy(data[p.FragOffset():], p.Payload())
		have += len(p.Payload())
		if p.FragOffset() == 0 {
			hdr = append([]byte(nil), p.Header()...)
		}
		if !p.MF() {
			total = end
		}
		if total >= 0 && have == total && hdr != nil {
			out := append(hdr, data...)
			out[2], out[3] = byte(len(out)>>8), byte(len(out))
			out[6], out[7] = 0, 0
			out[10], out[11] = 0, 0
			c := wire.Checksum(out[:len(hdr)], 0)
			out[10], out[11] = byte(c>>8), byte(c)
			ip, err := wire.ParseIPv4(out)
			if err != nil {
				h.t.Fatal(err)
			}
			return ip
		}
	}
}

func TestUDPEchoThroughSocket(t *testing.T) {
	h := newHarness(t, Options{})
	h.learnPeer()
	c, err := h.s.ListenUDP(netip.AddrPortFrom(netip.Addr{}, 7))
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		buf := make([]byte, 65536)
		for {
			n, from, err := c.ReadFrom(buf)
			if err != nil {
				return
			}
			c.WriteTo(buf[:n], from)
		}
	}()
	for _, size := range []int{0, 5, 1472, 3000} {
		data := bytes.Repeat([]byte("x"), size)
		u := udpPayload(peerIP, dutIP, 40000, 7, data)
		if len(u)+20 <= 1500 {
			h.in(ipFrame(wire.IPv4Header{Protocol: wire.ProtoUDP}, u))
		} else {
			sendFragments(h, wire.IPv4Header{Protocol: wire.ProtoUDP, ID: 9}, u, 1480)
		}
		p := collectDatagram(h, wire.ProtoUDP)
		r, err := wire.ParseUDP(p.Payload())
		if err != nil || r.SrcPort() != 7 || r.DstPort() != 40000 || !bytes.Equal(r.Payload(), data) || !r.VerifyChecksum(p.Src(), p.Dst()) {
			t.Fatalf("size %d: bad echo %v", size, err)
		}
	}
}

func TestUDPClosedPortUnreachable(t *testing.T) {
	h := newHarness(t, Options{})
	h.learnPeer()
	u := udpPayload(peerIP, dutIP, 40000, 9999, []byte("hello"))
	h.in(ipFrame(wire.IPv4Header{Protocol: wire.ProtoUDP, ID: 0x4242}, u))
	p := h.outIPv4(wire.ProtoICMP)
	m, err := wire.ParseICMPv4(p.Payload())
	if err != nil || m.Type() != wire.ICMPDestUnreach || m.Code() != wire.CodePortUnreach {
		t.Fatalf("got %x %v", []byte(p), err)
	}
	q, err := wire.ParseIPv4(append(append([]byte(nil), m.Payload()...), make([]byte, 5)...))
	if err != nil || q.ID() != 0x4242 || len(m.Payload()) != 28 {
		t.Fatalf("quote %x: %v", m.Payload(), err)
	}
	// Broadcast: no error (RFC 1122 §3.2.2).
	h.in(ipFrame(wire.IPv4Header{Protocol: wire.ProtoUDP, Dst: netip.MustParseAddr("198.18.0.255")},
		udpPayload(peerIP, netip.MustParseAddr("198.18.0.255"), 40000, 9999, nil)))
	if fs := h.barrier(); len(fs) != 0 {
		t.Fatalf("answered a broadcast to a closed port: %x", fs)
	}
	if n := h.s.Stats().Drops[DropUDPNoSocket]; n != 2 {
		t.Fatalf("udp-no-socket = %d", n)
	}
}

func TestTCPClosedPortAnswersRST(t *testing.T) {
	h := newHarness(t, Options{})
	h.learnPeer()
	syn := make([]byte, 20)
	(&wire.TCPHeader{SrcPort: 40000, DstPort: 80, Seq: 1000, Flags: wire.TCPFlagSYN, Window: 100, Src: peerIP, Dst: dutIP}).Encode(syn)
	h.in(ipFrame(wire.IPv4Header{Protocol: wire.ProtoTCP}, syn))
	p := h.outIPv4(wire.ProtoTCP)
	seg, err := wire.ParseTCP(p.Payload())
	if err != nil || seg.Flags() != wire.TCPFlagRST|wire.TCPFlagACK || seg.Seq() != 0 || seg.Ack() != 1001 ||
		seg.SrcPort() != 80 || seg.DstPort() != 40000 || !seg.VerifyChecksum(p.Src(), p.Dst()) {
		t.Fatalf("RST %x", []byte(p))
	}
	ack := make([]byte, 20)
	(&wire.TCPHeader{SrcPort: 40000, DstPort: 80, Seq: 5, Ack: 777, Flags: wire.TCPFlagACK, Src: peerIP, Dst: dutIP}).Encode(ack)
	h.in(ipFrame(wire.IPv4Header{Protocol: wire.ProtoTCP}, ack))
	p = h.outIPv4(wire.ProtoTCP)
	seg, _ = wire.ParseTCP(p.Payload())
	if seg.Flags() != wire.TCPFlagRST || seg.Seq() != 777 {
		t.Fatalf("RST for ACK %x", []byte(p))
	}
	rst := make([]byte, 20)
	(&wire.TCPHeader{SrcPort: 40000, DstPort: 80, Seq: 5, Flags: wire.TCPFlagRST, Src: peerIP, Dst: dutIP}).Encode(rst)
	h.in(ipFrame(wire.IPv4Header{Protocol: wire.ProtoTCP}, rst))
	if fs := h.barrier(); len(fs) != 0 {
		t.Fatalf("answered a RST: %x", fs)
	}
}

func TestAddressConflictDefended(t *testing.T) {
	h := newHarness(t, Options{})
	h.out() // start announcement
	intruder := [6]byte{2, 0, 0, 0, 0, 0x66}
	claim := arpFrame(wire.ARPRequest, intruder, wire.BroadcastMAC, dutIP, [6]byte{}, dutIP)
	h.in(claim)
	// One defence (RFC 5227 §2.4 (b)): our announcement.
	f := h.out()
	e, _ := wire.ParseEthernet(f)
	a, err := wire.ParseARP(e.Payload())
	if err != nil || a.SenderIP() != dutIP || a.SenderMAC() != dutMAC || a.TargetIP() != dutIP {
		t.Fatalf("defence %x", f)
	}
	// A second claim within 10 s is counted but not answered, and the
	// claims replaced nothing: we still answer for our address (barrier).
	h.in(claim)
	if fs := h.barrier(); len(fs) != 0 {
		t.Fatalf("second claim answered: %x", fs)
	}
	if n := h.s.Stats().ARPConflicts; n != 2 {
		t.Fatalf("conflicts %d", n)
	}
}
