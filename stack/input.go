package stack

import (
	"errors"
	"net/netip"
	"time"

	"github.com/tcpbox/tcpbox/nic"
	"github.com/tcpbox/tcpbox/stack/ip"
	"github.com/tcpbox/tcpbox/stack/wire"
)

// The receive path. input runs on the receive goroutine, one frame at a
// time; the frame's memory belongs to the link and is valid during the
// call only, so everything that outlives it is copied into a Buffer.

// rxMeta travels with one received datagram up the layers.
type rxMeta struct {
	linkBroadcast bool // the frame was sent to the broadcast MAC
	ipBroadcast   bool // the datagram was sent to a broadcast address
	csumVerified  bool // the link vouches for the transport checksum (or it is only partial)
	// gsoSize is set for a UDP GSO super-frame (VIRTIO_NET_HDR_GSO_UDP_L4):
	// its payload is many datagrams of gsoSize bytes behind one header.
	gsoSize int
}

// gsoUDPL4 is VIRTIO_NET_HDR_GSO_UDP_L4 (a sender's UDP_SEGMENT batch);
// gsoECN the flag bit the kernel may add (VIRTIO_NET_HDR_GSO_ECN). TCP
// super-segments (GSO_TCPV4) go up whole, like GRO's; a UFO frame
// (GSO_UDP) is one datagram, as it is read.
const (
	gsoUDPL4 = 5
	gsoECN   = 0x80
)

// input handles one received frame; the receive loop counts it
// (rxFrames, rxBytes) once per batch.
func (s *Stack) input(f *nic.Frame) {
	eth, err := wire.ParseEthernet(f.Data)
	if err != nil {
		if errors.Is(err, wire.ErrUnsupported) {
			s.drop(DropEthUnsupported)
		} else {
			s.drop(DropEthTruncated)
		}
		return
	}
	dst := eth.Dst()
	bcast := wire.IsBroadcast(dst)
	if dst != s.mac && !bcast {
		// The link's filter should keep these away; promiscuous links
		// (memlink) do not. Multicast: no groups are joined.
		s.drop(DropEthNotForUs)
		return
	}
	switch eth.EtherType() {
	case wire.EtherTypeARP:
		s.arpInput(eth.Payload())
	case wire.EtherTypeIPv4:
		// A partial checksum (offload) cannot be verified; the kernel
		// checked what it marks valid.
		m := rxMeta{linkBroadcast: bcast, csumVerified: f.Offload.DataValid || f.Offload.NeedsChecksum}
		if f.Offload.GSOType&^gsoECN == gsoUDPL4 {
			m.gsoSize = int(f.Offload.GSOSize)
		}
		s.ipInput(eth.Payload(), m)
	default:
		s.drop(DropEtherType)
	}
}

func ipDropReason(err error) DropReason {
	switch {
	case errors.Is(err, wire.ErrBadVersion):
		return DropIPVersion
	case errors.Is(err, wire.ErrBadHeader):
		return DropIPHeaderLen
	case errors.Is(err, wire.ErrBadLength):
		return DropIPLength
	case errors.Is(err, wire.ErrBadChecksum):
		return DropIPChecksum
	case errors.Is(err, wire.ErrBadOption):
		return DropIPOptions
	}
	return DropIPTruncated
}

func (s *Stack) ipInput(b []byte, m rxMeta) {
	pkt, err := wire.ParseIPv4(b)
	if err != nil {
		s.drop(ipDropReason(err))
		return
	}
	r := s.routes.Load()
	if r.BadSource(pkt.Src()) {
		s.drop(DropIPBadSource)
		return
	}
	ours, bcast := r.Local(pkt.Dst())
	if !ours && !bcast && !s.dhcpAccepts(pkt) {
		// RFC 1122 §3.3.4.2/§3.3.6: a host silently discards datagrams
		// not addressed to it (it does not forward).
		s.drop(DropIPNotOurs)
		return
	}
	m.ipBroadcast = bcast
	if pkt.IsFragment() {
		if s.lend.taker != nil {
			s.lend.ok = false // the datagram is not the frame (tcp_lend.go)
		}
		s.ctr.fragsIn.Add(1)
		whole, err := s.reassemble(pkt)
		if err != nil || whole == nil {
			return
		}
		s.ctr.reassembled.Add(1)
		pkt = whole
		m.csumVerified = false // the link's verdict was about one fragment
	}
	switch pkt.Protocol() {
	case wire.ProtoICMP:
		s.icmpInput(pkt, m)
	case wire.ProtoUDP:
		s.udpInput(pkt, m)
	case wire.ProtoTCP:
		if !ours || m.linkBroadcast {
			// TCP is unicast only (RFC 1122 §4.2.3.10).
			s.drop(DropIPNotOurs)
			return
		}
		if m.csumVerified {
			s.tcpInputOffloaded(pkt.Src(), pkt.Dst(), pkt.TOS(), pkt.Payload())
		} else {
			s.tcpInput(pkt.Src(), pkt.Dst(), pkt.TOS(), pkt.Payload())
		}
	default:
		// RFC 1122 §3.2.2.1: protocol unreachable for an unknown protocol.
		s.drop(DropIPProtocol)
		if ours {
			s.sendICMPError(pkt, m, wire.ICMPDestUnreach, wire.CodeProtoUnreach, 0)
		}
	}
}

// reassemble adds a fragment; it returns the whole datagram (valid until
// the next call, which only this goroutine makes) when it completes one.
func (s *Stack) reassemble(pkt wire.IPv4) (wire.IPv4, error) {
	now := s.now()
	s.fragMu.Lock()
	whole, err := s.reasm.Add(now, pkt)
	next := s.reasm.NextDeadline()
	s.fragMu.Unlock()
	s.schedule(s.fragTimer, next)
	switch {
	case err == nil:
	case errors.Is(err, ip.ErrFragOverlap):
		s.drop(DropFragOverlap)
	case errors.Is(err, ip.ErrFragMemory):
		s.drop(DropFragMemory)
	default:
		s.drop(DropFragInvalid)
	}
	return whole, err
}

// fragTick expires datagrams whose reassembly timed out and sends ICMP
// time exceeded (code 1) for those whose first fragment had arrived
// (RFC 792; RFC 1122 §3.3.2 SHOULD).
func (s *Stack) fragTick(now time.Duration) {
	s.fragMu.Lock()
	var quoted [wire.IPv4MaxHeaderLen + 8]byte
	n := 0
	s.reasm.Expire(now, func(orig []byte) {
		s.drop(DropFragTimeout)
		if n == 0 { // one message per tick is plenty
			n = copy(quoted[:], orig)
		}
	})
	next := s.reasm.NextDeadline()
	s.fragMu.Unlock()
	s.schedule(s.fragTimer, next)
	if n >= wire.IPv4MinHeaderLen {
		dst := netip.AddrFrom4([4]byte(quoted[12:16]))
		s.sendICMPQuote(dst, quoted[:n], wire.ICMPTimeExceeded, wire.CodeReassemblyTime, 0)
	}
}
