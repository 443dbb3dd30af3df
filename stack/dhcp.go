package stack

import (
	"github.com/tcpbox/tcpbox/stack/wire"
)

// dhcpGlue runs the stack's DHCP client (stack/dhcp).
type dhcpGlue struct{}

func (s *Stack) startDHCP()                       {}
func (s *Stack) stopDHCP()                        {}
func (s *Stack) dhcpAccepts(pkt wire.IPv4) bool   { return false }
func (s *Stack) dhcpInput(pkt wire.IPv4, u wire.UDP) {}
