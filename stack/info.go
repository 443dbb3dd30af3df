package stack

import (
	"strings"
	"time"

	"github.com/tcpbox/tcpbox/stack/arp"
	"github.com/tcpbox/tcpbox/stack/dhcp"
)

// Observation for the admin page: read-only snapshots, each taken under
// the lock of the state it copies.

// Now is the stack's clock (time since it started; a ManualClock's time in
// tests). Lease and neighbour times are on this clock.
func (s *Stack) Now() time.Duration { return s.now() }

// Neighbors returns a snapshot of the ARP table.
func (s *Stack) Neighbors() []arp.Entry {
	s.arpMu.Lock()
	defer s.arpMu.Unlock()
	return s.arp.Entries()
}

// DHCPLease returns the DHCP client's state and current lease (ok false
// without DHCP or without a lease).
func (s *Stack) DHCPLease() (state dhcp.State, lease dhcp.Lease, ok bool) {
	if s.dhcp == nil {
		return dhcp.StateInvalid, dhcp.Lease{}, false
	}
	s.dhcp.mu.Lock()
	defer s.dhcp.mu.Unlock()
	lease, ok = s.dhcp.c.Lease()
	return s.dhcp.c.State(), lease, ok
}

// Layer is the protocol layer a drop reason belongs to: "eth", "arp",
// "ip", "frag", "icmp", "udp", "tcp", "dhcp", or "stack" for the send
// path's reasons.
func (r DropReason) Layer() string {
	name := r.String()
	if i := strings.IndexByte(name, '-'); i > 0 {
		switch l := name[:i]; l {
		case "eth", "arp", "ip", "frag", "icmp", "udp", "tcp", "dhcp":
			return l
		}
	}
	return "stack"
}
