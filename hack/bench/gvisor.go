package main

import (
	"net"
	"net/netip"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/adapters/gonet"
	"gvisor.dev/gvisor/pkg/tcpip/header"
	"gvisor.dev/gvisor/pkg/tcpip/link/fdbased"
	"gvisor.dev/gvisor/pkg/tcpip/network/arp"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
)

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// startGVisor runs gVisor's netstack on an AF_PACKET socket bound to iface,
// the comparison peer: it never enters the product's go.mod.
//
// With offloads on, the kernel peer's frames carry partial checksums and
// arrive as GSO super-frames, so gVisor gets what it needs for them:
// PACKET_VNET_HDR on the socket, host GSO (its fdbased link reads and
// writes the virtio_net_hdr) and receive checksum offload (its transmit
// checksum offload would leave plain segments' checksums unfinished). With offloads
// off it runs plain, as in the reference figures.
func startGVisor(iface, cidr string, offloads bool) (listenFunc, func() serverStats, func()) {
	ifi, err := net.InterfaceByName(iface)
	if err != nil {
		fatalf("gvisor: %v", err)
	}
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW, int(htons(unix.ETH_P_ALL)))
	if err != nil {
		fatalf("gvisor: socket: %v", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifi.Index}); err != nil {
		fatalf("gvisor: bind: %v", err)
	}
	unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 8<<20)
	unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUFFORCE, 8<<20)
	var gsoMax uint32
	if offloads {
		if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_VNET_HDR, 1); err != nil {
			fatalf("gvisor: PACKET_VNET_HDR: %v", err)
		}
		gsoMax = 65536
	}
	s := stack.New(stack.Options{
		NetworkProtocols:   []stack.NetworkProtocolFactory{ipv4.NewProtocol, arp.NewProtocol},
		TransportProtocols: []stack.TransportProtocolFactory{tcp.NewProtocol},
	})
	sack := tcpip.TCPSACKEnabled(true)
	s.SetTransportProtocolOption(tcp.ProtocolNumber, &sack)
	mod := tcpip.TCPModerateReceiveBufferOption(true)
	s.SetTransportProtocolOption(tcp.ProtocolNumber, &mod)
	mode := fdbased.RecvMMsg
	if strings.Contains(cidr, "mmap") {
		mode = fdbased.PacketMMap
	}
	ep, err := fdbased.New(&fdbased.Options{
		FDs:                []int{fd},
		MTU:                uint32(ifi.MTU),
		EthernetHeader:     true,
		Address:            tcpip.LinkAddress(ifi.HardwareAddr),
		PacketDispatchMode: mode,
		GSOMaxSize:         gsoMax,
		RXChecksumOffload:  offloads,
	})
	if err != nil {
		fatalf("gvisor: fdbased: %v", err)
	}
	if terr := s.CreateNIC(1, ep); terr != nil {
		fatalf("gvisor: nic: %v", terr)
	}
	p := netip.MustParsePrefix(cidr)
	a4 := p.Addr().As4()
	if terr := s.AddProtocolAddress(1, tcpip.ProtocolAddress{
		Protocol:          ipv4.ProtocolNumber,
		AddressWithPrefix: tcpip.AddrFrom4(a4).WithPrefix(),
	}, stack.AddressProperties{}); terr != nil {
		fatalf("gvisor: address: %v", terr)
	}
	s.SetRouteTable([]tcpip.Route{{Destination: header.IPv4EmptySubnet, NIC: 1}})
	listen := func(port int) (net.Listener, error) {
		return gonet.ListenTCP(s, tcpip.FullAddress{NIC: 1, Addr: tcpip.AddrFrom4(a4), Port: uint16(port)}, ipv4.ProtocolNumber)
	}
	stats := func() serverStats {
		return serverStats{Kind: "gvisor", RxDropped: packetDrops(fd)}
	}
	return listen, stats, func() { s.Close() }
}

// packetDrops reads PACKET_STATISTICS (which also resets it).
func packetDrops(fd int) uint64 {
	var st unix.TpacketStats
	l := uint32(unsafe.Sizeof(st))
	_, _, e := unix.Syscall6(unix.SYS_GETSOCKOPT, uintptr(fd), unix.SOL_PACKET, unix.PACKET_STATISTICS, uintptr(unsafe.Pointer(&st)), uintptr(unsafe.Pointer(&l)), 0)
	if e != 0 {
		return 0
	}
	return uint64(st.Drops)
}
