package stack

import (
	"net/netip"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/stack/dhcp"
	"github.com/tcpbox/tcpbox/stack/wire"
)

// A scripted DHCP server on the harness's peer side.

var leased = netip.MustParseAddr("198.18.0.50")

// dhcpOut waits for the next DHCP message the stack sends.
func dhcpOut(h *harness) (wire.IPv4, *dhcp.Message, [6]byte) {
	h.t.Helper()
	for {
		f := h.out()
		e, _ := wire.ParseEthernet(f)
		if e.EtherType() == wire.EtherTypeARP {
			a, _ := wire.ParseARP(e.Payload())
			if a.Op() == wire.ARPRequest && a.TargetIP() == peerIP {
				// Answer for the server.
				h.in(arpFrame(wire.ARPReply, peerMAC, e.Src(), peerIP, e.Src(), a.SenderIP()))
			}
			continue
		}
		p, err := wire.ParseIPv4(e.Payload())
		if err != nil || p.Protocol() != wire.ProtoUDP {
			continue
		}
		u, err := wire.ParseUDP(p.Payload())
		if err != nil || u.DstPort() != 67 || u.SrcPort() != 68 || !u.VerifyChecksum(p.Src(), p.Dst()) {
			h.t.Fatalf("bad DHCP datagram: %v", err)
		}
		m, err := dhcp.Parse(u.Payload())
		if err != nil {
			h.t.Fatal(err)
		}
		return p, m, e.Dst()
	}
}

func dhcpReply(req *dhcp.Message, typ uint8) []byte {
	m := &dhcp.Message{Op: 2, XID: req.XID, CHAddr: req.CHAddr, Type: typ, YIAddr: leased, Server: peerIP,
		Mask: netip.MustParseAddr("255.255.255.0"), Router: peerIP, Lease: 120}
	b := make([]byte, 576)
	b = b[:m.Encode(b)]
	bc := netip.MustParseAddr("255.255.255.255")
	u := udpPayload(peerIP, bc, 67, 68, b)
	f := ipFrame(wire.IPv4Header{Protocol: wire.ProtoUDP, Dst: bc}, u)
	copy(f[0:6], wire.BroadcastMAC[:])
	return f
}

func TestDHCPAcquireRenewRelease(t *testing.T) {
	h := newHarness(t, Options{DHCP: true})
	p, m, dst := dhcpOut(h)
	if m.Type != dhcp.Discover || !p.Src().IsUnspecified() || p.Dst() != netip.MustParseAddr("255.255.255.255") || dst != wire.BroadcastMAC {
		t.Fatalf("discover from %v to %v (%x)", p.Src(), p.Dst(), dst)
	}
	if pf, _ := h.s.Addr(); pf.IsValid() {
		t.Fatal("address before the lease")
	}
	h.in(dhcpReply(m, dhcp.Offer))
	_, m, _ = dhcpOut(h)
	if m.Type != dhcp.Request || m.ReqIP != leased {
		t.Fatalf("request %+v", m)
	}
	h.in(dhcpReply(m, dhcp.Ack))
	// Bound: the address is set and announced.
	for {
		f := h.out()
		if e, _ := wire.ParseEthernet(f); e.EtherType() == wire.EtherTypeARP {
			if a, _ := wire.ParseARP(e.Payload()); a.SenderIP() == leased && a.TargetIP() == leased {
				break
			}
		}
	}
	if pf, gw := h.s.Addr(); pf != netip.MustParsePrefix("198.18.0.50/24") || gw != peerIP {
		t.Fatalf("address %v gw %v", pf, gw)
	}
	// T1 = 60 s: a unicast renewal to the server (after resolving it).
	h.clock.Advance(61 * time.Second)
	p, m, dst = dhcpOut(h)
	if m.Type != dhcp.Request || p.Src() != leased || p.Dst() != peerIP || dst != peerMAC || m.CIAddr != leased {
		t.Fatalf("renew %+v from %v to %v", m, p.Src(), p.Dst())
	}
	// Close releases the lease.
	closed := make(chan struct{})
	go func() { h.s.Close(); close(closed) }()
	_, m, dst = dhcpOut(h)
	if m.Type != dhcp.Release || m.CIAddr != leased || dst != peerMAC {
		t.Fatalf("release %+v", m)
	}
	<-closed
}

func TestDHCPUnicastOfferAccepted(t *testing.T) {
	h := newHarness(t, Options{DHCP: true})
	_, m, _ := dhcpOut(h)
	f := dhcpReply(m, dhcp.Offer)
	// Rewrite as a unicast to the offered address and our MAC.
	m2, _ := dhcp.Parse(mustDHCPPayload(t, f))
	b := make([]byte, 576)
	b = b[:m2.Encode(b)]
	f = ipFrame(wire.IPv4Header{Protocol: wire.ProtoUDP, Dst: leased}, udpPayload(peerIP, leased, 67, 68, b))
	h.in(f)
	if _, m, _ = dhcpOut(h); m.Type != dhcp.Request {
		t.Fatalf("unicast offer not taken: %+v", m)
	}
}

func mustDHCPPayload(t *testing.T, f []byte) []byte {
	e, _ := wire.ParseEthernet(f)
	p, _ := wire.ParseIPv4(e.Payload())
	u, err := wire.ParseUDP(p.Payload())
	if err != nil {
		t.Fatal(err)
	}
	return u.Payload()
}
