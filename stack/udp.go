package stack

import (
	"net/netip"

	"github.com/tcpbox/tcpbox/stack/wire"
)

// UDP glue: demultiplexing arriving datagrams to sockets (stack/udp's
// table) and the send side of UDPConn.

// dhcpClientPort and dhcpServerPort are the BOOTP ports (RFC 2131 §4.1).
const (
	dhcpClientPort = 68
	dhcpServerPort = 67
)

func (s *Stack) udpInput(pkt wire.IPv4, m rxMeta) {
	u, err := wire.ParseUDP(pkt.Payload())
	if err != nil {
		s.drop(DropUDPMalformed)
		return
	}
	if !m.csumVerified && !u.VerifyChecksum(pkt.Src(), pkt.Dst()) {
		s.drop(DropUDPChecksum)
		return
	}
	if u.DstPort() == dhcpClientPort && s.dhcp != nil {
		s.dhcpInput(pkt, u)
		return
	}
	dst := netip.AddrPortFrom(pkt.Dst(), u.DstPort())
	s.udpMu.RLock()
	c, ok := s.udp.Lookup(dst)
	s.udpMu.RUnlock()
	if !ok {
		s.drop(DropUDPNoSocket)
		if !m.ipBroadcast && !m.linkBroadcast {
			// RFC 1122 §4.1.3.1: port unreachable for a closed port
			// (sendICMPError applies §3.2.2's exceptions and the limit).
			s.sendICMPError(pkt, m, wire.ICMPDestUnreach, wire.CodePortUnreach, 0)
		}
		return
	}
	from := netip.AddrPortFrom(pkt.Src(), u.SrcPort())
	if m.gsoSize > 0 {
		// A UDP GSO super-frame: the sender's datagrams, each gsoSize
		// bytes (the last may be shorter), behind one header.
		for p := u.Payload(); len(p) > 0; {
			n := min(m.gsoSize, len(p))
			c.deliver(from, p[:n])
			p = p[n:]
		}
		return
	}
	c.deliver(from, u.Payload())
}

// sendUDP sends one datagram from src to dst. src's address may be
// unspecified (the stack's address is used).
func (s *Stack) sendUDP(src, dst netip.AddrPort, payload []byte, o sendOpts) error {
	if len(payload) > maxDatagram-wire.IPv4MinHeaderLen-wire.UDPHeaderLen {
		s.drop(DropTooBig)
		return errTooBig
	}
	saddr := o.src
	if !saddr.IsValid() {
		saddr = src.Addr()
	}
	if !saddr.IsValid() || saddr.IsUnspecified() {
		saddr = s.sourceAddr(dst.Addr())
		if !saddr.IsValid() {
			s.drop(DropNoRoute)
			return errNoRoute
		}
	}
	b := s.newBuffer(wire.UDPHeaderLen + len(payload))
	copy(b.Bytes()[wire.UDPHeaderLen:], payload)
	h := wire.UDPHeader{SrcPort: src.Port(), DstPort: dst.Port(), Src: saddr, Dst: dst.Addr(), PayloadLen: len(payload)}
	h.Encode(b.Bytes())
	o.src = saddr
	if err := s.sendIPv4(b, dst.Addr(), wire.ProtoUDP, o); err != nil {
		return err
	}
	s.ctr.udpOut.Add(1)
	return nil
}
