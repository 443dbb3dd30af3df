// Package udp is tcpbox's UDP (RFC 768) demultiplexing: the table that
// maps a datagram's destination (address, port) to the socket bound
// there, with wildcard binds and ephemeral port allocation.
//
// It does no I/O and holds no packets: sockets, their queues, deadlines
// and the net.PacketConn API live in package stack. It is not safe for
// concurrent use; the stack holds its lock around every call.
package udp

import (
	"errors"
	"net/netip"
)

// Errors.
var (
	ErrInUse   = errors.New("udp: address already in use")
	ErrNoPorts = errors.New("udp: no free ephemeral port")
)

// Ephemeral port range (RFC 6335 §6: 49152-65535, the dynamic ports).
const (
	EphemeralFirst = 49152
	EphemeralLast  = 65535
)

// Table maps local (address, port) to a socket of type S. A bind to the
// unspecified address (0.0.0.0) is a wildcard that receives datagrams for
// every local address on that port; an exact bind wins over the wildcard.
type Table[S comparable] struct {
	exact map[netip.AddrPort]S
	wild  map[uint16]S
	next  uint16 // where the ephemeral search starts
}

// NewTable returns an empty table; seed picks the first ephemeral port
// tried (RFC 6056 §3.3.1 suggests a random start).
func NewTable[S comparable](seed uint16) *Table[S] {
	return &Table[S]{
		exact: make(map[netip.AddrPort]S),
		wild:  make(map[uint16]S),
		next:  EphemeralFirst + seed%(EphemeralLast-EphemeralFirst+1),
	}
}

// Bind registers s at local. Port 0 picks a free ephemeral port. It
// returns the address actually bound.
func (t *Table[S]) Bind(local netip.AddrPort, s S) (netip.AddrPort, error) {
	addr := local.Addr()
	if !addr.IsValid() {
		addr = netip.IPv4Unspecified()
	}
	port := local.Port()
	if port == 0 {
		var err error
		if port, err = t.ephemeral(addr); err != nil {
			return netip.AddrPort{}, err
		}
	} else if t.inUse(addr, port) {
		return netip.AddrPort{}, ErrInUse
	}
	ap := netip.AddrPortFrom(addr, port)
	if addr.IsUnspecified() {
		t.wild[port] = s
	} else {
		t.exact[ap] = s
	}
	return ap, nil
}

func (t *Table[S]) inUse(addr netip.Addr, port uint16) bool {
	if _, ok := t.wild[port]; ok {
		return true
	}
	if addr.IsUnspecified() {
		for ap := range t.exact {
			if ap.Port() == port {
				return true
			}
		}
		return false
	}
	_, ok := t.exact[netip.AddrPortFrom(addr, port)]
	return ok
}

func (t *Table[S]) ephemeral(addr netip.Addr) (uint16, error) {
	const n = EphemeralLast - EphemeralFirst + 1
	for i := 0; i < n; i++ {
		p := t.next
		if t.next == EphemeralLast {
			t.next = EphemeralFirst
		} else {
			t.next++
		}
		if !t.inUse(addr, p) {
			return p, nil
		}
	}
	return 0, ErrNoPorts
}

// Unbind removes the socket bound at local (as returned by Bind) if it is
// s.
func (t *Table[S]) Unbind(local netip.AddrPort, s S) {
	if local.Addr().IsUnspecified() {
		if t.wild[local.Port()] == s {
			delete(t.wild, local.Port())
		}
		return
	}
	if t.exact[local] == s {
		delete(t.exact, local)
	}
}

// Lookup finds the socket for a datagram to dst: an exact bind first, then
// a wildcard on the port.
func (t *Table[S]) Lookup(dst netip.AddrPort) (S, bool) {
	if s, ok := t.exact[dst]; ok {
		return s, true
	}
	s, ok := t.wild[dst.Port()]
	return s, ok
}

// Len is the number of bound sockets.
func (t *Table[S]) Len() int { return len(t.exact) + len(t.wild) }
