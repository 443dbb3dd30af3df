package nicsetup

import (
	"encoding/binary"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tcpbox/tcpbox/hack/testbed"
)

var stackMAC = [6]byte{0x02, 0x18, 0x00, 0x00, 0x00, 0x02}

func TestSetupDedicated(t *testing.T) {
	testbed.Require(t, "arping")
	peer, dut := testbed.NewNS(t, "p"), testbed.NewNS(t, "d")
	testbed.Veth(t, peer, "veth0", dut, "eth1", 1500)
	peer.MustRun(t, "ip", "addr", "add", "198.18.6.1/24", "dev", "veth0")
	// Left-overs the setup must remove: a kernel address on the NIC that
	// would make the kernel answer, and the link down.
	dut.MustRun(t, "ip", "addr", "add", "198.18.6.2/24", "dev", "eth1")
	dut.MustRun(t, "ip", "link", "set", "eth1", "down")

	var nic *NIC
	err := dut.Do(func() (err error) {
		nic, err = Setup(Config{Mode: Dedicated, Parent: "eth1", MTU: 1400, MAC: stackMAC})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if nic.Name != "eth1" || nic.MAC != stackMAC || nic.MTU != 1400 {
		t.Errorf("NIC = %+v", nic)
	}
	out := dut.MustRun(t, "ip", "addr", "show", "dev", "eth1")
	if strings.Contains(out, "inet") {
		t.Errorf("the kernel still holds an address on the dedicated NIC:\n%s", out)
	}
	if !strings.Contains(out, "UP") || !strings.Contains(out, net.HardwareAddr(stackMAC[:]).String()) || !strings.Contains(out, "mtu 1400") {
		t.Errorf("link state:\n%s", out)
	}
	if v := strings.TrimSpace(dut.MustRun(t, "sysctl", "-n", "net.ipv6.conf.eth1.disable_ipv6")); v != "1" {
		t.Errorf("IPv6 on the dedicated NIC: disable_ipv6=%s", v)
	}
	// The kernel must not answer ARP for the address it used to hold.
	if _, _, err := peer.Output(10*time.Second, "arping", "-c", "2", "-w", "3", "-I", "veth0", "198.18.6.2"); err == nil {
		t.Error("the kernel behind the dedicated NIC answered ARP")
	}
	if err := dut.Do(nic.Close); err != nil {
		t.Error(err)
	}
	if !strings.Contains(dut.MustRun(t, "ip", "link", "show", "eth1"), "eth1") {
		t.Error("Close removed the dedicated NIC")
	}
}

func TestSetupMacvlan(t *testing.T) {
	testbed.Require(t, "arping")
	peer, dut := testbed.NewNS(t, "p"), testbed.NewNS(t, "d")
	testbed.Veth(t, peer, "veth0", dut, "eth0", 1500)
	peer.MustRun(t, "ip", "addr", "add", "198.18.7.1/24", "dev", "veth0")
	dut.MustRun(t, "ip", "addr", "add", "198.18.7.10/24", "dev", "eth0") // management

	var nic *NIC
	setup := func() error {
		return dut.Do(func() (err error) {
			nic, err = Setup(Config{Mode: Macvlan, Parent: "eth0"})
			return err
		})
	}
	if err := setup(); err != nil {
		t.Fatal(err)
	}
	// A restart finds the child of the previous run and replaces it.
	if err := setup(); err != nil {
		t.Fatalf("second setup: %v", err)
	}
	if nic.Name != "tcpbox0" || nic.MAC[0]&0x03 != 0x02 {
		t.Errorf("NIC = %+v (want tcpbox0 with a unicast, locally administered MAC)", nic)
	}
	out := dut.MustRun(t, "ip", "-d", "addr", "show", "dev", "tcpbox0")
	if strings.Contains(out, "inet") || !strings.Contains(out, "macvlan mode bridge") || !strings.Contains(out, net.HardwareAddr(nic.MAC[:]).String()) {
		t.Errorf("child:\n%s", out)
	}
	if !strings.Contains(dut.MustRun(t, "ip", "addr", "show", "dev", "eth0"), "198.18.7.10/24") {
		t.Error("the parent lost the kernel's management address")
	}
	// Management still works through the parent.
	peer.MustRun(t, "ping", "-c", "1", "-W", "5", "198.18.7.10")
	if err := dut.Do(nic.Close); err != nil {
		t.Fatal(err)
	}
	if o, _, err := dut.Output(5*time.Second, "ip", "link", "show", "tcpbox0"); err == nil {
		t.Errorf("Close left the child:\n%s", o)
	}
}

func TestSetupErrors(t *testing.T) {
	testbed.Require(t)
	dut := testbed.NewNS(t, "d")
	for _, s := range []Config{
		{Mode: Dedicated},
		{Mode: Dedicated, Parent: "nosuch0"},
		{Mode: ModeInvalid, Parent: "lo"},
	} {
		if err := dut.Do(func() error { _, err := Setup(s); return err }); err == nil {
			t.Errorf("%+v accepted", s)
		}
	}
}

func TestDerivedMAC(t *testing.T) {
	a := derivedMAC(net.HardwareAddr{0xdc, 0xa6, 0x32, 1, 2, 3})
	b := derivedMAC(net.HardwareAddr{0xdc, 0xa6, 0x32, 1, 2, 3})
	c := derivedMAC(net.HardwareAddr{0xdc, 0xa6, 0x32, 1, 2, 4})
	if a != b || a == c || a[0]&1 != 0 || a[0]&2 == 0 {
		t.Errorf("derivedMAC: %x %x %x", a, b, c)
	}
}

// TestIngressDrop: after Setup the kernel drops the NIC's frames at
// ingress, after its packet taps saw them. Pings to tcpbox's address
// reach a packet socket on the NIC while the kernel's IP layer counts
// nothing (InAddrErrors: it would route each and fail); once Close has
// removed the drop, the kernel counts them again.
func TestIngressDrop(t *testing.T) {
	testbed.Require(t, "ping")
	peer, dut := testbed.NewNS(t, "p"), testbed.NewNS(t, "d")
	testbed.Veth(t, peer, "veth0", dut, "eth1", 1500)
	peer.MustRun(t, "ip", "addr", "add", "198.18.6.1/24", "dev", "veth0")
	var nic *NIC
	if err := dut.Do(func() (err error) {
		nic, err = Setup(Config{Mode: Dedicated, Parent: "eth1", MAC: stackMAC})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if nic.IngressErr != nil {
		t.Fatalf("no ingress drop: %v", nic.IngressErr)
	}
	// tcpbox would answer ARP; the peer is told instead.
	peer.MustRun(t, "ip", "neigh", "add", "198.18.6.2", "lladdr", net.HardwareAddr(stackMAC[:]).String(), "dev", "veth0")
	var fd int
	if err := dut.Do(func() (err error) {
		// ETH_P_ALL, as afpacket binds: such taps see a frame before
		// the ingress hook, taps of one protocol only after it.
		fd, err = unix.Socket(unix.AF_PACKET, unix.SOCK_RAW, int(htons(unix.ETH_P_ALL)))
		if err != nil {
			return err
		}
		return unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: nic.Index})
	}); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	tv := unix.NsecToTimeval(int64(200 * time.Millisecond))
	unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
	inAddrErrors := func() int {
		t.Helper()
		lines := strings.Split(dut.MustRun(t, "cat", "/proc/net/snmp"), "\n")
		for i := 0; i+1 < len(lines); i++ {
			names, vals := strings.Fields(lines[i]), strings.Fields(lines[i+1])
			if len(names) > 0 && names[0] == "Ip:" && len(vals) == len(names) {
				for j, n := range names {
					if n == "InAddrErrors" {
						v, _ := strconv.Atoi(vals[j])
						return v
					}
				}
			}
		}
		t.Fatal("no Ip InAddrErrors in /proc/net/snmp")
		return 0
	}
	// pings sends three echo requests (unanswered) and returns how many
	// the packet socket saw.
	pings := func() int {
		t.Helper()
		peer.Output(10*time.Second, "ping", "-c", "3", "-i", "0.2", "-W", "1", "198.18.6.2")
		seen := 0
		buf := make([]byte, 2048)
		for {
			n, _, err := unix.Recvfrom(fd, buf, 0)
			if err != nil {
				return seen
			}
			// IPv4 to 198.18.6.2, ICMP, echo request.
			if n >= 35 && binary.BigEndian.Uint16(buf[12:]) == unix.ETH_P_IP && buf[14+9] == 1 &&
				binary.BigEndian.Uint32(buf[14+16:]) == 0xc6120602 && buf[14+20] == 8 {
				seen++
			}
		}
	}
	before := inAddrErrors()
	if seen := pings(); seen != 3 {
		t.Fatalf("the packet socket saw %d of 3 echo requests with the ingress drop", seen)
	}
	if d := inAddrErrors() - before; d != 0 {
		t.Fatalf("the kernel's IP layer took %d frames despite the ingress drop", d)
	}
	if err := dut.Do(nic.Close); err != nil {
		t.Fatal(err)
	}
	before = inAddrErrors()
	if seen := pings(); seen != 3 {
		t.Fatalf("the packet socket saw %d of 3 echo requests without the drop", seen)
	}
	if d := inAddrErrors() - before; d != 3 {
		t.Fatalf("without the drop the kernel's IP layer counted %d address errors, want 3", d)
	}
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }
