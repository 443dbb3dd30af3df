package stack

import (
	"errors"
	"net"
	"net/netip"
	"time"

	"github.com/tcpbox/tcpbox/stack/arp"
	"github.com/tcpbox/tcpbox/stack/wire"
)

// ARP glue: the cache (stack/arp) decides, this file builds and sends the
// frames. The cache's hooks run with arpMu held.

func (s *Stack) arpInput(b []byte) {
	a, err := wire.ParseARP(b)
	if err != nil {
		if errors.Is(err, wire.ErrUnsupported) {
			s.drop(DropARPUnsupported)
		} else {
			s.drop(DropARPMalformed)
		}
		return
	}
	s.ctr.arpIn.Add(1)
	r := s.routes.Load()
	ours := r.Prefix.IsValid() && a.TargetIP() == r.Prefix.Addr()
	now := s.now()
	if r.Prefix.IsValid() && a.SenderIP() == r.Prefix.Addr() && a.SenderMAC() != s.mac {
		// Someone else claims our address: defend it, but neither learn
		// from the claim nor answer it (an announcement is not a
		// question, RFC 5227 §3).
		s.addressConflict(now, a.SenderMAC())
		return
	}
	s.arpMu.Lock()
	reply := s.arp.Input(now, a, ours)
	next := s.arp.NextDeadline()
	s.arpMu.Unlock()
	s.schedule(s.arpTimer, next)
	if reply {
		// RFC 826: answer a request for our own address (and only ours:
		// no proxy ARP) to the requester's hardware address.
		s.sendARP(wire.ARPReply, a.SenderMAC(), a.SenderMAC(), a.SenderIP())
		s.ctr.arpReplies.Add(1)
	}
}

// addressConflict handles another host claiming our address (RFC 5227
// §2.4 (b)): log it, count it, and defend the address with one
// announcement unless we defended within DEFEND_INTERVAL (10 s). tcpbox
// keeps its configured address either way; an operator must fix the
// clash.
func (s *Stack) addressConflict(now time.Duration, other [6]byte) {
	s.ctr.arpConflicts.Add(1)
	s.arpMu.Lock()
	defend := !s.defended || now-s.lastDefend >= defendInterval
	if defend {
		s.defended, s.lastDefend = true, now
	}
	s.arpMu.Unlock()
	if defend {
		r := s.routes.Load()
		s.log.Warn("address conflict", "addr", r.Prefix.Addr(), "other_mac", net.HardwareAddr(other[:]).String())
		s.sendGratuitousARP()
	}
}

// defendInterval is RFC 5227's DEFEND_INTERVAL.
const defendInterval = 10 * time.Second

func (s *Stack) arpTick(now time.Duration) {
	s.arpMu.Lock()
	s.arp.Tick(now)
	next := s.arp.NextDeadline()
	s.arpMu.Unlock()
	s.schedule(s.arpTimer, next)
}

// sendARPRequest is the cache's Request hook: a broadcast who-has.
func (s *Stack) sendARPRequest(target netip.Addr) {
	s.ctr.arpRequests.Add(1)
	s.sendARP(wire.ARPRequest, wire.BroadcastMAC, [6]byte{}, target)
}

// sendGratuitousARP announces our address: an ARP request whose sender
// and target IP are both ours (RFC 5227 §2.3 "ARP Announcement"; RFC 5227
// §3 explains why a request rather than a reply), so neighbours update
// stale entries.
func (s *Stack) sendGratuitousARP() {
	r := s.routes.Load()
	if !r.Prefix.IsValid() {
		return
	}
	s.ctr.arpRequests.Add(1)
	s.sendARP(wire.ARPRequest, wire.BroadcastMAC, [6]byte{}, r.Prefix.Addr())
}

// announceAddress sends two announcements two seconds apart (RFC 5227
// §2.3: ANNOUNCE_NUM 2, ANNOUNCE_INTERVAL 2 s).
func (s *Stack) announceAddress() {
	s.sendGratuitousARP()
	s.schedule(s.announce, s.now()+2*time.Second)
}

// sendARP builds and sends one ARP packet from our MAC and address.
func (s *Stack) sendARP(op uint16, ethDst, targetMAC [6]byte, targetIP netip.Addr) {
	r := s.routes.Load()
	b := s.newBuffer(wire.ARPLen)
	p := wire.ARPPacket{Op: op, SenderMAC: s.mac, TargetMAC: targetMAC, TargetIP: targetIP}
	if r.Prefix.IsValid() {
		p.SenderIP = r.Prefix.Addr()
	} else {
		p.SenderIP = netip.IPv4Unspecified()
	}
	p.Encode(b.Bytes())
	s.transmit(ethDst, wire.EtherTypeARP, b)
}

// sendResolved is the cache's Send hook: a queued IPv4 packet whose next
// hop is now known.
func (s *Stack) sendResolved(mac [6]byte, b *Buffer) {
	s.transmit(mac, wire.EtherTypeIPv4, b)
}

// dropQueued is the cache's Drop hook.
func (s *Stack) dropQueued(b *Buffer, err error) {
	if errors.Is(err, arp.ErrFailed) {
		s.drop(DropARPFailed)
	} else {
		s.drop(DropARPQueueFull)
	}
	s.release(b)
}
