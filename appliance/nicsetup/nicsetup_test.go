package nicsetup

import (
	"net"
	"strings"
	"testing"
	"time"

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
	if err := nic.Close(); err != nil {
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
