package udp

import (
	"errors"
	"net/netip"
	"testing"
)

func TestBindLookup(t *testing.T) {
	tb := NewTable[int](0)
	a := netip.MustParseAddr("198.18.0.2")
	if _, err := tb.Bind(netip.AddrPortFrom(netip.Addr{}, 7), 1); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.Bind(netip.AddrPortFrom(a, 7), 2); !errors.Is(err, ErrInUse) {
		t.Fatalf("exact under wildcard: %v", err)
	}
	if _, err := tb.Bind(netip.AddrPortFrom(a, 8), 3); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.Bind(netip.AddrPortFrom(netip.IPv4Unspecified(), 8), 4); !errors.Is(err, ErrInUse) {
		t.Fatalf("wildcard over exact: %v", err)
	}
	if s, ok := tb.Lookup(netip.AddrPortFrom(a, 7)); !ok || s != 1 {
		t.Fatal("wildcard lookup")
	}
	if s, ok := tb.Lookup(netip.AddrPortFrom(a, 8)); !ok || s != 3 {
		t.Fatal("exact lookup")
	}
	if _, ok := tb.Lookup(netip.AddrPortFrom(netip.MustParseAddr("198.18.0.3"), 8)); ok {
		t.Fatal("exact bind matched another address")
	}
	tb.Unbind(netip.AddrPortFrom(netip.IPv4Unspecified(), 7), 99) // not the owner
	if _, ok := tb.Lookup(netip.AddrPortFrom(a, 7)); !ok {
		t.Fatal("unbound by a non-owner")
	}
	tb.Unbind(netip.AddrPortFrom(netip.IPv4Unspecified(), 7), 1)
	if _, ok := tb.Lookup(netip.AddrPortFrom(a, 7)); ok || tb.Len() != 1 {
		t.Fatal("unbind")
	}
}

func TestEphemeral(t *testing.T) {
	tb := NewTable[int](65535 - EphemeralFirst) // start at the last port: wraps
	seen := map[uint16]bool{}
	for i := 0; i < EphemeralLast-EphemeralFirst+1; i++ {
		ap, err := tb.Bind(netip.AddrPort{}, i)
		if err != nil {
			t.Fatalf("bind %d: %v", i, err)
		}
		if ap.Port() < EphemeralFirst || seen[ap.Port()] {
			t.Fatalf("port %d", ap.Port())
		}
		seen[ap.Port()] = true
	}
	if _, err := tb.Bind(netip.AddrPort{}, -1); !errors.Is(err, ErrNoPorts) {
		t.Fatalf("exhausted: %v", err)
	}
}
