package stack

import (
	"net/netip"
	"testing"

	"github.com/tcpbox/tcpbox/nic"
	"github.com/tcpbox/tcpbox/stack/wire"
)

// A UDP GSO super-frame from a kernel peer with offloads on (PACKET_VNET_HDR,
// VIRTIO_NET_HDR_GSO_UDP_L4): one header, the datagrams behind it, a
// partial checksum. Each datagram reaches the socket on its own.
func TestUDPGSOSuperFrameSplit(t *testing.T) {
	s, _ := newSinkStack(t)
	c, err := s.ListenUDP(netip.AddrPortFrom(netip.Addr{}, 7))
	if err != nil {
		t.Fatal(err)
	}
	data := make([]byte, 250)
	for i := range data {
		data[i] = byte(i)
	}
	fr := ipFrame(wire.IPv4Header{Protocol: wire.ProtoUDP}, udpPayload(peerIP, dutIP, 40000, 7, data))
	fr[14+20+6], fr[14+20+7] = 0x12, 0x34 // only a partial (pseudo-header) sum, as offload leaves it
	s.input(&nic.Frame{Data: fr, Offload: nic.Offload{NeedsChecksum: true, GSOType: 5, GSOSize: 100, CsumStart: 34, CsumOffset: 6}})
	buf := make([]byte, 2048)
	for i, want := range []int{100, 100, 50} {
		n, from, err := c.ReadFromUDPAddrPort(buf)
		if err != nil || n != want || buf[0] != byte(100*i) || from != netip.AddrPortFrom(peerIP, 40000) {
			t.Fatalf("datagram %d: %d bytes, first %d, from %v, %v", i, n, buf[0], from, err)
		}
	}
	if st := s.Stats(); st.UDPIn != 3 || st.TotalDrops() != 0 {
		t.Fatalf("stats %+v", st)
	}
}
