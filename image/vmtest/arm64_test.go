package vmtest

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/hack/qemu"
	"github.com/tcpbox/tcpbox/hack/testbed"
	"github.com/tcpbox/tcpbox/image/build"
)

// TestArm64 boots the arm64 image on qemu-system-aarch64 -M virt with
// -kernel (no aarch64 systemd-boot here), tcpbox taking its address from
// QEMU's DHCP server with its own client (the only client on that network,
// so it gets the first lease, 198.18.3.15), and checks UDP and TCP echo.
func TestArm64(t *testing.T) {
	testbed.Require(t, "qemu-system-aarch64")
	c := config("arm64")
	c.Tcpbox = []string{"-iface", "eth1", "-dhcp", "-state", "/perm/tcpbox"}
	img := buildImageWith(t, c, build.MinDiskSize)
	kernel, cmdline, err := build.KernelBoot(config("arm64"))
	if err != nil {
		t.Fatal(err)
	}
	ports := freePorts(t, 2)
	o := qemu.Options{
		Target: "arm64", Image: img, Dir: t.TempDir(), Kernel: kernel, Append: cmdline,
		TestForwards: []qemu.Forward{
			{Proto: "udp", HostPort: ports[0], GuestPort: 7},
			{Proto: "tcp", HostPort: ports[1], GuestPort: 7},
		},
	}
	_, line := boot(t, "arm64 -kernel", o, 300*time.Second)
	if !strings.Contains(line, qemu.TestGuest) {
		t.Errorf("ready line %q lacks the DHCP lease %s", line, qemu.TestGuest)
	}
	if err := udpEcho(fmt.Sprint(ports[0]), func() (net.Conn, error) { return net.Dial("udp", fmt.Sprintf("127.0.0.1:%d", ports[0])) }); err != nil {
		t.Error(err)
	}
	check(t, "TCP echo", func() (net.Conn, error) {
		return net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", ports[1]), 10*time.Second)
	}, tcpEcho)
}
