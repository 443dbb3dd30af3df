package main

import (
	"fmt"
	"net"
	"net/netip"

	"github.com/tcpbox/tcpbox/nic/afpacket"
	"github.com/tcpbox/tcpbox/stack"
)

// startTCPBox runs tcpbox's own stack on an AF_PACKET link bound to iface,
// as the appliance does; ring selects afpacket's TPACKET_V3 receive ring.
func startTCPBox(iface, cidr string, ring bool) (listenFunc, func() serverStats, func()) {
	link, err := afpacket.Open(iface, afpacket.Options{Ring: ring})
	if err != nil {
		fatalf("tcpbox: %v", err)
	}
	s, err := stack.New(link, stack.Options{Addr: netip.MustParsePrefix(cidr)})
	if err != nil {
		fatalf("tcpbox: %v", err)
	}
	addr := netip.MustParsePrefix(cidr).Addr()
	listen := func(port int) (net.Listener, error) {
		return s.ListenTCP(netip.AddrPortFrom(addr, uint16(port)))
	}
	stats := func() serverStats {
		st := link.Stats()
		return serverStats{Kind: "tcpbox", RxDropped: st.RxDropped, Note: fmt.Sprintf("link %+v", st)}
	}
	return listen, stats, func() { s.Close() }
}
