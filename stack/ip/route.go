package ip

import (
	"encoding/binary"
	"errors"
	"net/netip"
)

// ErrNoRoute is returned for a destination that is neither on-link nor
// reachable through a gateway.
var ErrNoRoute = errors.New("ip: no route to host")

// DefaultTTL is the TTL of datagrams we originate (RFC 1700's recommended
// 64, Linux's ip_default_ttl).
const DefaultTTL = 64

// Routes is a host's routing table: one on-link prefix and an optional
// default gateway (RFC 1122 §3.3.1.1: a host sends to on-link
// destinations directly and to the rest through a gateway).
type Routes struct {
	Prefix  netip.Prefix // our address and subnet; invalid when unconfigured
	Gateway netip.Addr   // invalid when none
}

// Broadcast is the directed broadcast address of the prefix (all host
// bits set), or the invalid Addr for /31 and /32 (RFC 3021).
func (r Routes) Broadcast() netip.Addr {
	if !r.Prefix.IsValid() || !r.Prefix.Addr().Is4() || r.Prefix.Bits() >= 31 {
		return netip.Addr{}
	}
	// Every received and sent datagram asks: one OR, not a loop over bits.
	a := r.Prefix.Addr().As4()
	v := binary.BigEndian.Uint32(a[:]) | (1<<(32-r.Prefix.Bits()) - 1)
	binary.BigEndian.PutUint32(a[:], v)
	return netip.AddrFrom4(a)
}

// NextHop returns the address whose MAC a datagram to dst goes to, and
// whether dst is a broadcast (limited or directed: sent to ff:ff:ff:ff:ff:ff
// without ARP).
func (r Routes) NextHop(dst netip.Addr) (hop netip.Addr, broadcast bool, err error) {
	if !dst.Is4() {
		return netip.Addr{}, false, ErrNoRoute
	}
	if dst == netip.AddrFrom4([4]byte{255, 255, 255, 255}) || (dst == r.Broadcast() && dst.IsValid()) {
		return dst, true, nil
	}
	if r.Prefix.IsValid() && r.Prefix.Contains(dst) {
		return dst, false, nil
	}
	if r.Gateway.IsValid() && r.Prefix.IsValid() {
		return r.Gateway, false, nil
	}
	return netip.Addr{}, false, ErrNoRoute
}

// Local classifies an arriving datagram's destination: ours (unicast to
// our address), broadcast (limited, or directed to our subnet), or
// neither, which a host silently discards (RFC 1122 §3.2.1.3, §3.3.6).
// Multicast is not joined, so it is neither.
func (r Routes) Local(dst netip.Addr) (ours, broadcast bool) {
	if r.Prefix.IsValid() && dst == r.Prefix.Addr() {
		return true, false
	}
	if dst == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		return false, true
	}
	if b := r.Broadcast(); b.IsValid() && dst == b {
		return false, true
	}
	return false, false
}

// BadSource reports a source address a host must discard (RFC 1122
// §3.2.1.3: a datagram whose source is a broadcast or multicast address,
// or 127/8 arriving from the wire). 0.0.0.0 is refused too: only a host
// that does not know its address sends from it (a DHCP client, which
// tcpbox is, not a server), and nothing can be answered there.
func (r Routes) BadSource(src netip.Addr) bool {
	if !src.Is4() || src.IsMulticast() || src.IsLoopback() || src.IsUnspecified() {
		return true
	}
	if src == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		return true
	}
	b := r.Broadcast()
	return b.IsValid() && src == b
}
