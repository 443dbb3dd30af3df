package stack

import (
	"testing"
)

func TestDropReasonNames(t *testing.T) {
	seen := map[string]bool{}
	for r := DropInvalid + 1; r < NumDropReasons; r++ {
		n := r.String()
		if n == "invalid" || seen[n] {
			t.Errorf("reason %d: name %q missing or repeated", r, n)
		}
		seen[n] = true
		if r.Layer() == "" {
			t.Errorf("%s: no layer", n)
		}
	}
	if DropIPChecksum.Layer() != "ip" || DropNoRoute.Layer() != "stack" || DropFragOverlap.Layer() != "frag" {
		t.Error("layers")
	}
}

func TestNeighborsAndLease(t *testing.T) {
	h := newHarness(t, Options{})
	h.learnPeer()
	ns := h.s.Neighbors()
	if len(ns) != 1 || ns[0].IP != peerIP || ns[0].MAC != peerMAC || !ns[0].Resolved {
		t.Fatalf("neighbors %+v", ns)
	}
	if _, _, ok := h.s.DHCPLease(); ok {
		t.Fatal("lease without DHCP")
	}
}
