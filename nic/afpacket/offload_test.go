//go:build linux

package afpacket

import (
	"encoding/binary"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/hack/testbed"
	"github.com/tcpbox/tcpbox/nic"
)

// kernelBed is namespace A with the kernel at 198.18.0.1/24 on a veth
// whose offloads stay on, and namespace B where a Link (with the stack
// address 198.18.0.2) reads and writes.
func kernelBed(t *testing.T) (a *testbed.NS, lb *Link) {
	t.Helper()
	testbed.Require(t, "ethtool")
	a, b := testbed.NewNS(t, "a"), testbed.NewNS(t, "b")
	testbed.Veth(t, a, "veth0", b, "veth0", 1500)
	b.Quiet(t, "veth0")
	a.MustRun(t, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1")
	a.MustRun(t, "ip", "addr", "add", "198.18.0.1/24", "dev", "veth0")
	a.Offloads(t, "veth0", true)
	lb = openIn(t, b, "veth0", Options{Ring: ringMode, Recvmmsg: recvmmsgMode})
	m := lb.MAC()
	a.MustRun(t, "ip", "neigh", "replace", "198.18.0.2", "lladdr", net.HardwareAddr(m[:]).String(), "dev", "veth0")
	return a, lb
}

// TestOffloadPartialChecksumReceived: with tx checksum offload on, the
// kernel's UDP datagrams arrive with only the pseudo-header sum, and the
// Link says so in Frame.Offload (RFC 768 checksum at byte 6 of UDP).
func TestOffloadPartialChecksumReceived(t *testing.T) {
	a, lb := kernelBed(t)
	if err := a.Do(func() error {
		c, err := net.Dial("udp4", "198.18.0.2:9")
		if err != nil {
			return err
		}
		defer c.Close()
		_, err = c.Write([]byte("partial checksum please"))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	f, ok := readUDP(t, lb)
	if !ok {
		t.Fatal("no UDP frame")
	}
	if !f.Offload.NeedsChecksum || f.Offload.CsumStart != 14+20 || f.Offload.CsumOffset != 6 {
		t.Fatalf("offload %+v, want NeedsChecksum at 34+6", f.Offload)
	}
}

func readUDP(t *testing.T, l *Link) (nic.Frame, bool) {
	ch := make(chan nic.Frame, 1)
	go func() {
		buf := make([]nic.Frame, 16)
		for {
			n, err := l.ReadBatch(buf)
			if err != nil {
				close(ch)
				return
			}
			for _, f := range buf[:n] {
				if len(f.Data) > 34 && binary.BigEndian.Uint16(f.Data[12:]) == 0x0800 && f.Data[23] == 17 {
					f.Data = append([]byte(nil), f.Data...)
					ch <- f
					return
				}
			}
		}
	}()
	select {
	case f, ok := <-ch:
		return f, ok
	case <-time.After(20 * time.Second):
		return nic.Frame{}, false
	}
}

// udpFrame builds Ethernet/IPv4/UDP from 198.18.0.2:4000 to 198.18.0.1:port
// with a correct IPv4 header checksum (RFC 791 §3.1). If partial, the UDP
// checksum field holds the pseudo-header sum only (for NeedsChecksum);
// otherwise it holds bad.
func udpFrame(dst, src [6]byte, port uint16, payload []byte, partial bool, bad uint16) []byte {
	f := make([]byte, 42+len(payload))
	copy(f, dst[:])
	copy(f[6:], src[:])
	binary.BigEndian.PutUint16(f[12:], 0x0800)
	ip := f[14:34]
	ip[0], ip[8], ip[9] = 0x45, 64, 17
	binary.BigEndian.PutUint16(ip[2:], uint16(28+len(payload)))
	copy(ip[12:], []byte{198, 18, 0, 2})
	copy(ip[16:], []byte{198, 18, 0, 1})
	binary.BigEndian.PutUint16(ip[10:], ^fold(sum(ip, 0)))
	u := f[34:]
	binary.BigEndian.PutUint16(u[0:], 4000)
	binary.BigEndian.PutUint16(u[2:], port)
	binary.BigEndian.PutUint16(u[4:], uint16(8+len(payload)))
	copy(u[8:], payload)
	if partial {
		// Pseudo-header: addresses, protocol, UDP length (RFC 768).
		binary.BigEndian.PutUint16(u[6:], fold(sum(ip[12:20], 17+uint32(len(u)))))
	} else {
		binary.BigEndian.PutUint16(u[6:], bad)
	}
	return f
}

func sum(b []byte, s uint32) uint32 {
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		s += uint32(b[len(b)-1]) << 8
	}
	return s
}

func fold(s uint32) uint16 {
	for s > 0xffff {
		s = s>>16 + s&0xffff
	}
	return uint16(s)
}

// TestOffloadChecksumSent: a frame sent with NeedsChecksum and only the
// pseudo-header sum reaches a kernel UDP socket, while the same frame
// without the Offload (a wrong checksum) is dropped by the kernel. So the
// Offload was carried to the kernel, which completed the checksum.
func TestOffloadChecksumSent(t *testing.T) {
	a, lb := kernelBed(t)
	var conn *net.UDPConn
	if err := a.Do(func() (err error) {
		conn, err = net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(198, 18, 0, 1), Port: 5555})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	peer := ifaceMACIn(t, a, "veth0")
	src := lb.MAC()
	bad := udpFrame(peer, src, 5555, []byte("must be dropped"), false, 0x1234)
	good := udpFrame(peer, src, 5555, []byte("completed by the kernel"), true, 0)
	if _, err := lb.WriteBatch([]nic.Frame{
		{Data: bad},
		{Data: good, Offload: nic.Offload{NeedsChecksum: true, CsumStart: 34, CsumOffset: 6}},
	}); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	buf := make([]byte, 100)
	n, err := conn.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(buf[:n]); got != "completed by the kernel" {
		t.Fatalf("kernel received %q first", got)
	}
}

// TestOffloadGSOSent: one UDP super-frame with GSO type UDP_L4 (5) is cut
// by the kernel into datagrams of GSOSize bytes.
func TestOffloadGSOSent(t *testing.T) {
	a, lb := kernelBed(t)
	var conn *net.UDPConn
	if err := a.Do(func() (err error) {
		conn, err = net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(198, 18, 0, 1), Port: 5556})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	payload := make([]byte, 3*1000)
	for i := range payload {
		payload[i] = byte('a' + i/1000)
	}
	f := udpFrame(ifaceMACIn(t, a, "veth0"), lb.MAC(), 5556, payload, true, 0)
	off := nic.Offload{NeedsChecksum: true, CsumStart: 34, CsumOffset: 6, GSOType: 5, GSOSize: 1000, HdrLen: 42}
	if _, err := lb.WriteBatch([]nic.Frame{{Data: f, Offload: off}}); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	buf := make([]byte, 4000)
	for i := 0; i < 3; i++ {
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatalf("datagram %d: %v (stats %+v)", i, err, lb.Stats())
		}
		if n != 1000 || buf[0] != byte('a'+i) || buf[999] != byte('a'+i) {
			t.Fatalf("datagram %d: %d bytes starting %q", i, n, buf[0])
		}
	}
}

func ifaceMACIn(t *testing.T, ns *testbed.NS, name string) [6]byte {
	var m [6]byte
	if err := ns.Do(func() error {
		ifi, err := net.InterfaceByName(name)
		if err != nil {
			return err
		}
		if len(ifi.HardwareAddr) != 6 {
			return fmt.Errorf("%s has no MAC", name)
		}
		copy(m[:], ifi.HardwareAddr)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return m
}
