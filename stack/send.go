package stack

import (
	"errors"
	"fmt"
	"net/netip"
	"syscall"
	"time"

	"github.com/tcpbox/tcpbox/stack/arp"
	"github.com/tcpbox/tcpbox/stack/ip"
	"github.com/tcpbox/tcpbox/stack/wire"
)

// The send path: sendIPv4 takes a Buffer holding a transport header and
// payload, adds the IPv4 header (fragmenting when the datagram exceeds the
// path MTU and DF is clear), resolves the next hop's MAC through ARP
// (queueing while it resolves) and hands the frame to the link.

// Send errors (wrapped by callers into *net.OpError at the API).
var (
	errNoRoute = fmt.Errorf("stack: %w", syscall.EHOSTUNREACH)
	errTooBig  = fmt.Errorf("stack: %w", syscall.EMSGSIZE)
	errClosed  = errors.New("stack: closed")
)

// sendOpts are per-datagram IPv4 settings.
type sendOpts struct {
	tos uint8
	ttl uint8      // 0: ip.DefaultTTL
	df  bool       // don't fragment (TCP sets it for PMTU discovery)
	src netip.Addr // invalid: the stack's address (DHCP sends from 0.0.0.0)
}

// sendIPv4 sends the datagram whose payload (transport header and data) is
// b.Bytes() to dst with protocol proto. It takes b in every case (sent,
// queued for ARP, or released). A nil error means handed to the link or
// queued for resolution; errors are errNoRoute, errTooBig, errClosed, or
// the ARP queue's.
func (s *Stack) sendIPv4(b *Buffer, dst netip.Addr, proto uint8, o sendOpts) error {
	if s.closing.Load() {
		s.release(b)
		return errClosed
	}
	r := s.routes.Load()
	hop, bcast, err := r.NextHop(dst)
	if err != nil {
		s.drop(DropNoRoute)
		s.release(b)
		return errNoRoute
	}
	src := o.src
	if !src.IsValid() {
		if !r.Prefix.IsValid() {
			s.drop(DropNoRoute)
			s.release(b)
			return errNoRoute
		}
		src = r.Prefix.Addr()
	}
	ttl := o.ttl
	if ttl == 0 {
		ttl = ip.DefaultTTL
	}
	n := b.TotalLen()
	if n+wire.IPv4MinHeaderLen > maxDatagram {
		s.drop(DropTooBig)
		s.release(b)
		return errTooBig
	}
	h := wire.IPv4Header{TOS: o.tos, TTL: ttl, Protocol: proto, Src: src, Dst: dst, DF: o.df, PayloadLen: n}
	// RFC 6864 §4.1: the ID matters only for datagrams that may be
	// fragmented, but a counter for all is cheap and what peers expect.
	h.ID = uint16(s.ipID.Add(1))
	mtu := s.pathMTU(dst)
	// A TCP super-segment (tcp_gso.go) is cut into MTU-sized segments by
	// the link; the kernel gives the pieces consecutive IDs, which RFC
	// 6864 §4.1 allows for atomic (DF) datagrams.
	if n+wire.IPv4MinHeaderLen <= mtu || b.gso.GSOType != 0 {
		h.Encode(b.Prepend(wire.IPv4MinHeaderLen))
		return s.resolveAndSend(hop, bcast, b)
	}
	if o.df {
		s.drop(DropTooBig)
		s.release(b)
		return errTooBig
	}
	return s.fragment(b, &h, hop, bcast, mtu)
}

// fragment sends b's payload as fragments (RFC 791 §3.2; ip.Fragments
// plans them) and releases b.
func (s *Stack) fragment(b *Buffer, h *wire.IPv4Header, hop netip.Addr, bcast bool, mtu int) error {
	data := b.Bytes()
	per := ip.FragmentData(mtu, wire.IPv4MinHeaderLen)
	var firstErr error
	s.holdTx() // the fragments leave in one WriteBatch
	defer s.releaseTx()
	for off := 0; off < len(data); off += per {
		n := min(per, len(data)-off)
		f := s.newBuffer(n)
		copy(f.Bytes(), data[off:off+n])
		fh := *h
		fh.FragOffset, fh.MF, fh.PayloadLen = off, off+n < len(data), n
		fh.Encode(f.Prepend(wire.IPv4MinHeaderLen))
		s.ctr.fragsOut.Add(1)
		if err := s.resolveAndSend(hop, bcast, f); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	s.release(b)
	return firstErr
}

// resolveAndSend finds the MAC of hop (or uses broadcast) and transmits
// the IPv4 packet in b, or leaves it queued in the ARP cache.
func (s *Stack) resolveAndSend(hop netip.Addr, bcast bool, b *Buffer) error {
	if bcast {
		s.transmit(wire.BroadcastMAC, wire.EtherTypeIPv4, b)
		return nil
	}
	now := s.now()
	s.arpMu.Lock()
	mac, ok, err := s.arp.Resolve(now, hop, b)
	var next time.Duration
	if !ok && err == nil {
		next = s.arp.NextDeadline() // a resolution started: arm its retry
	}
	s.arpMu.Unlock()
	if ok {
		s.transmit(mac, wire.EtherTypeIPv4, b)
		return nil
	}
	if err != nil {
		if errors.Is(err, arp.ErrFailed) {
			s.drop(DropARPFailed)
		} else {
			s.drop(DropARPQueueFull)
		}
		s.release(b)
		return fmt.Errorf("stack: resolve %v: %w", hop, err)
	}
	s.schedule(s.arpTimer, next)
	return nil
}

// transmit prepends the Ethernet header to b and hands the frame to the
// transmit queue (txq.go), which owns b from here.
func (s *Stack) transmit(dst [6]byte, etherType uint16, b *Buffer) {
	eh := wire.EthernetHeader{Dst: dst, Src: s.mac, Type: etherType}
	eh.Encode(b.Prepend(wire.EthernetHeaderLen))
	s.txq.push(s, b)
}

// pathMTU is the IPv4 MTU towards dst: the link MTU, or less if an ICMP
// fragmentation-needed message taught us so (RFC 1191).
func (s *Stack) pathMTU(dst netip.Addr) int {
	if s.pmtuLen.Load() == 0 {
		return s.mtu // nothing learned: no lock on the common path
	}
	s.icmpMu.Lock()
	m := s.pmtu.Lookup(s.now(), dst, s.mtu)
	s.pmtuLen.Store(int32(s.pmtu.Len()))
	s.icmpMu.Unlock()
	return m
}

// sourceAddr is the source address for datagrams to dst: the stack's one
// address (invalid while DHCP has not bound).
func (s *Stack) sourceAddr(dst netip.Addr) netip.Addr {
	return s.routes.Load().Prefix.Addr()
}

// isLocalAddr reports whether a is the stack's address.
func (s *Stack) isLocalAddr(a netip.Addr) bool {
	r := s.routes.Load()
	return r.Prefix.IsValid() && a == r.Prefix.Addr()
}
