package stack

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/stack/wire"
)

func TestUDPConnErrors(t *testing.T) {
	h := newHarness(t, Options{})
	c, err := h.s.ListenUDP(netip.AddrPortFrom(netip.Addr{}, 5000))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.s.ListenUDP(netip.AddrPortFrom(dutIP, 5000)); err == nil {
		t.Fatal("second bind on the same port succeeded")
	} else if _, ok := err.(*net.OpError); !ok {
		t.Fatalf("bind error %T, want *net.OpError", err)
	}
	if la := c.LocalAddr().(*net.UDPAddr); la.Port != 5000 {
		t.Fatalf("LocalAddr %v", la)
	}

	// A deadline in the past fails at once; one in the future fails
	// blocked reads when it passes.
	buf := make([]byte, 10)
	c.SetReadDeadline(time.Now().Add(-time.Second))
	if _, _, err := c.ReadFrom(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("past deadline: %v", err)
	}
	c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	_, _, err = c.ReadFrom(buf)
	var ne net.Error
	if !errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("future deadline: %v", err)
	}
	c.SetReadDeadline(time.Time{})

	// A deadline set while a read is blocked (with none set before) ends
	// that read.
	cd, _ := h.s.ListenUDP(netip.AddrPort{})
	blocked := make(chan error, 1)
	go func() {
		_, _, err := cd.ReadFrom(make([]byte, 10))
		blocked <- err
	}()
	time.Sleep(10 * time.Millisecond) // let it block; the outcome does not depend on it
	cd.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	select {
	case err := <-blocked:
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("deadline set during a read: %v", err)
		}
	case <-time.After(ioTimeout):
		t.Fatal("a deadline set during a blocked read did not end it")
	}
	cd.Close()

	// Close wakes a blocked reader with net.ErrClosed.
	got := make(chan error, 1)
	go func() {
		_, _, err := c.ReadFrom(buf)
		got <- err
	}()
	time.Sleep(10 * time.Millisecond) // let it block; the result does not depend on it
	c.Close()
	select {
	case err := <-got:
		if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("read after close: %v", err)
		}
	case <-time.After(ioTimeout):
		t.Fatal("Close did not wake the reader")
	}
	if _, err := c.WriteTo([]byte("x"), &net.UDPAddr{IP: net.IPv4(198, 18, 0, 1), Port: 7}); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("write after close: %v", err)
	}
	if err := c.Close(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("second close: %v", err)
	}
	// The port is free again.
	c2, err := h.s.ListenUDP(netip.AddrPortFrom(dutIP, 5000))
	if err != nil {
		t.Fatal(err)
	}
	// No route: off-link without a gateway.
	if _, err := c2.WriteToUDPAddrPort([]byte("x"), netip.MustParseAddrPort("192.0.2.1:7")); !errors.Is(err, syscall.EHOSTUNREACH) {
		t.Fatalf("no route: %v", err)
	}
	// Too big for one datagram.
	if _, err := c2.WriteToUDPAddrPort(make([]byte, 65508), netip.AddrPortFrom(peerIP, 7)); !errors.Is(err, syscall.EMSGSIZE) {
		t.Fatalf("too big: %v", err)
	}
	// Ephemeral bind.
	c3, err := h.s.ListenUDP(netip.AddrPort{})
	if err != nil || c3.LocalAddrPort().Port() < 49152 {
		t.Fatalf("ephemeral: %v %v", c3.LocalAddrPort(), err)
	}
	// Stack Close closes every socket.
	h.s.Close()
	if _, _, err := c3.ReadFrom(buf); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("read after stack close: %v", err)
	}
	if _, err := h.s.ListenUDP(netip.AddrPort{}); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("listen after stack close: %v", err)
	}
}

func TestUDPQueueBounded(t *testing.T) {
	h := newHarness(t, Options{UDPQueueLen: 4})
	c, err := h.s.ListenUDP(netip.AddrPortFrom(netip.Addr{}, 7))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		h.in(ipFrame(wire.IPv4Header{Protocol: wire.ProtoUDP}, udpPayload(peerIP, dutIP, 1, 7, []byte{byte(i)})))
	}
	h.waitDrop(DropUDPQueueFull, 6)
	buf := make([]byte, 10)
	for i := 0; i < 4; i++ {
		n, from, err := c.ReadFromUDPAddrPort(buf)
		if err != nil || n != 1 || buf[0] != byte(i) || from != netip.AddrPortFrom(peerIP, 1) {
			t.Fatalf("datagram %d: %d %v %v", i, n, from, err)
		}
	}
}

func TestSetAddressAnnounces(t *testing.T) {
	h := newHarness(t, Options{})
	h.out() // the start announcement
	newAddr := netip.MustParsePrefix("198.18.0.9/24")
	if err := h.s.SetAddress(newAddr, netip.Addr{}); err != nil {
		t.Fatal(err)
	}
	for {
		f := h.out()
		e, _ := wire.ParseEthernet(f)
		if e.EtherType() != wire.EtherTypeARP {
			continue
		}
		a, _ := wire.ParseARP(e.Payload())
		if a.SenderIP() == newAddr.Addr() && a.TargetIP() == newAddr.Addr() && wire.IsBroadcast(e.Dst()) {
			break
		}
	}
	// The old address is no longer answered; the new one is.
	h.in(arpFrame(wire.ARPRequest, peerMAC, wire.BroadcastMAC, peerIP, [6]byte{}, dutIP))
	h.in(arpFrame(wire.ARPRequest, peerMAC, wire.BroadcastMAC, peerIP, [6]byte{}, newAddr.Addr()))
	for {
		f := h.out()
		e, _ := wire.ParseEthernet(f)
		a, err := wire.ParseARP(e.Payload())
		if err != nil || a.Op() != wire.ARPReply {
			continue
		}
		if a.SenderIP() != newAddr.Addr() {
			t.Fatalf("answered for %v", a.SenderIP())
		}
		break
	}
	if err := h.s.SetAddress(netip.MustParsePrefix("198.18.0.9/24"), netip.MustParseAddr("10.0.0.1")); err == nil {
		t.Fatal("off-link gateway accepted")
	}
}

func TestARPResolutionRetriesWithClock(t *testing.T) {
	h := newHarness(t, Options{})
	h.out() // announcement
	c, _ := h.s.ListenUDP(netip.AddrPort{})
	if _, err := c.WriteToUDPAddrPort([]byte("q"), netip.AddrPortFrom(peerIP, 7)); err != nil {
		t.Fatal(err)
	}
	requests := 0
	for requests < 3 {
		f := h.out()
		e, _ := wire.ParseEthernet(f)
		if a, err := wire.ParseARP(e.Payload()); err == nil && a.Op() == wire.ARPRequest && a.TargetIP() == peerIP {
			requests++
			if requests < 3 {
				h.clock.Advance(4 * time.Second) // beyond each backoff step (1 s, 2 s)
			}
		}
	}
	// Answer now: the queued datagram goes out.
	h.in(arpFrame(wire.ARPReply, peerMAC, dutMAC, peerIP, dutMAC, dutIP))
	p := h.outIPv4(wire.ProtoUDP)
	if u, _ := wire.ParseUDP(p.Payload()); string(u.Payload()) != "q" {
		t.Fatalf("queued datagram %x", []byte(p))
	}
}

func TestReassemblyTimeoutSendsTimeExceeded(t *testing.T) {
	h := newHarness(t, Options{})
	h.learnPeer()
	u := udpPayload(peerIP, dutIP, 1, 7, make([]byte, 100))
	h.in(ipFrame(wire.IPv4Header{Protocol: wire.ProtoUDP, MF: true, ID: 77}, u[:64]))
	h.waitFrag(1)
	h.clock.Advance(31 * time.Second)
	p := h.outIPv4(wire.ProtoICMP)
	m, err := wire.ParseICMPv4(p.Payload())
	if err != nil || m.Type() != wire.ICMPTimeExceeded || m.Code() != wire.CodeReassemblyTime || len(m.Payload()) != 28 {
		t.Fatalf("time exceeded: %v %x", err, []byte(p))
	}
	h.waitDrop(DropFragTimeout, 1)
}

func TestPMTULearnedShrinksFragments(t *testing.T) {
	h := newHarness(t, Options{})
	h.learnPeer()
	// A router says the path to .1 carries 1000 bytes.
	quoted := make([]byte, 28)
	(&wire.IPv4Header{TTL: 64, Protocol: wire.ProtoUDP, Src: dutIP, Dst: peerIP, PayloadLen: 1472}).Encode(quoted)
	msg := make([]byte, 8+28)
	copy(msg[8:], quoted)
	(&wire.ICMPv4Header{Type: wire.ICMPDestUnreach, Code: wire.CodeFragNeeded, Rest: 1000, BodyLen: 28}).Encode(msg)
	h.in(ipFrame(wire.IPv4Header{Protocol: wire.ProtoICMP}, msg))
	h.waitICMPIn(1)
	c, _ := h.s.ListenUDP(netip.AddrPort{})
	if _, err := c.WriteToUDPAddrPort(make([]byte, 1472), netip.AddrPortFrom(peerIP, 7)); err != nil {
		t.Fatal(err)
	}
	p := h.outIPv4(wire.ProtoUDP)
	if len(p) > 1000 || !p.MF() {
		t.Fatalf("first fragment %d bytes (MF %v), want <= 1000", len(p), p.MF())
	}
}

func TestICMPErrorsRateLimited(t *testing.T) {
	h := newHarness(t, Options{ICMPErrorRate: 1, ICMPErrorBurst: 3})
	h.learnPeer()
	for i := 0; i < 10; i++ {
		h.in(ipFrame(wire.IPv4Header{Protocol: wire.ProtoUDP}, udpPayload(peerIP, dutIP, 1, 9999, nil)))
	}
	h.waitDrop(DropUDPNoSocket, 10)
	h.waitDrop(DropRateLimited, 7)
	if n := h.s.Stats().ICMPErrors; n != 3 {
		t.Fatalf("ICMP errors sent %d, want the burst of 3", n)
	}
	h.clock.Advance(time.Second)
	h.in(ipFrame(wire.IPv4Header{Protocol: wire.ProtoUDP}, udpPayload(peerIP, dutIP, 1, 9999, nil)))
	h.waitDrop(DropUDPNoSocket, 11)
	if n := h.s.Stats().ICMPErrors; n != 4 {
		t.Fatalf("after 1 s: %d errors, want 4", n)
	}
}
