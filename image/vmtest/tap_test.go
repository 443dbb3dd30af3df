package vmtest

import (
	"net"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/hack/qemu"
	"github.com/tcpbox/tcpbox/hack/testbed"
	"github.com/tcpbox/tcpbox/image/build"
)

// TestTapInNamespace attaches tcpbox's NIC to a tap device in a network
// namespace: the Linux kernel there reaches tcpbox in the VM directly at
// layer 2 (ARP, ICMP echo, UDP echo, TCP echo). It boots with -kernel, the
// other amd64 boot path, so both are timed.
func TestTapInNamespace(t *testing.T) {
	testbed.Require(t, "qemu-system-x86_64", "arping", "ping")
	img := buildImage(t, "amd64")
	kernel, cmdline, err := build.KernelBoot(config("amd64"))
	if err != nil {
		t.Fatal(err)
	}
	ns := testbed.NewNS(t, "q")
	ns.MustRun(t, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1")
	ns.MustRun(t, "ip", "tuntap", "add", "dev", "tap0", "mode", "tap")
	ns.MustRun(t, "ip", "addr", "add", "198.18.3.1/24", "dev", "tap0")
	ns.MustRun(t, "ip", "link", "set", "tap0", "up")
	o := qemu.Options{Target: "amd64", Image: img, Dir: t.TempDir(), TestTap: "tap0", NetNS: ns.Name,
		Kernel: kernel, Append: cmdline}
	boot(t, "amd64 -kernel", o, 180*time.Second)

	guest := qemu.TestGuest
	if out, stderr, err := ns.Output(30*time.Second, "arping", "-c", "3", "-w", "20", "-I", "tap0", guest); err != nil {
		t.Errorf("arping %s: %v\n%s%s", guest, err, out, stderr)
	} else {
		t.Logf("arping: %s", lastLine(out))
	}
	if out, stderr, err := ns.Output(30*time.Second, "ping", "-c", "3", "-W", "5", guest); err != nil {
		t.Errorf("ping %s: %v\n%s%s", guest, err, out, stderr)
	} else {
		t.Logf("ping: %s", lastLine(out))
	}
	var conn net.Conn
	if err := ns.Do(func() (err error) { conn, err = net.Dial("udp", guest+":7"); return err }); err != nil {
		t.Fatal(err)
	}
	if err := udpEcho(guest+":7", func() (net.Conn, error) { return conn, nil }); err != nil {
		t.Error(err)
	}
	// TCP echo from the namespace's kernel TCP: the socket is made inside
	// the namespace, so the handshake and data cross the tap at layer 2.
	check(t, "TCP echo from the namespace", func() (c net.Conn, err error) {
		err = ns.Do(func() (err error) { c, err = net.DialTimeout("tcp", guest+":7", 20*time.Second); return err })
		return c, err
	}, tcpEcho)
	check(t, "framed echo from the namespace", func() (c net.Conn, err error) {
		err = ns.Do(func() (err error) { c, err = net.DialTimeout("tcp", guest+":50000", 20*time.Second); return err })
		return c, err
	}, framedEcho)
}
