package vmtest

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/hack/qemu"
	"github.com/tcpbox/tcpbox/hack/testbed"
	"github.com/tcpbox/tcpbox/image/build"
)

// TestMacvlanShared boots the amd64 image configured as a Raspberry Pi is:
// one NIC shared by the kernel (management, DHCP) and tcpbox on a macvlan
// child with its own MAC and address. Both must answer on the same wire:
// gokrazy's web interface and tcpbox's admin page on the kernel's address,
// UDP echo on tcpbox's.
func TestMacvlanShared(t *testing.T) {
	testbed.Require(t, "qemu-system-x86_64")
	const tcpboxAddr = "198.18.2.50"
	c := config("amd64")
	c.NIC = "macvlan eth0 tcpbox0"
	c.Tcpbox = []string{"-iface", "tcpbox0", "-addr", tcpboxAddr + "/24", "-state", "/perm/tcpbox"}
	img := buildImageWith(t, c, build.MinDiskSize)
	ports := freePorts(t, 3)
	web, admin, echo := ports[0], ports[1], ports[2]
	o := qemu.Options{
		Target: "amd64", Image: img, Dir: t.TempDir(),
		MgmtForwards: []qemu.Forward{
			{Proto: "tcp", HostPort: web, GuestPort: 80},
			{Proto: "tcp", HostPort: admin, GuestPort: 8080},
			{Proto: "udp", HostPort: echo, GuestPort: 7, GuestAddr: tcpboxAddr},
		},
	}
	_, line := boot(t, "amd64 UEFI, macvlan", o, 180*time.Second)
	if !strings.Contains(line, "tcpbox0") {
		t.Errorf("ready line %q does not name the macvlan child", line)
	}
	waitHTTP(t, fmt.Sprintf("http://127.0.0.1:%d/", web), "gokrazy", password, http.StatusOK, 60*time.Second)
	waitHTTP(t, fmt.Sprintf("http://127.0.0.1:%d/", admin), adminUser, password, http.StatusOK, 60*time.Second)
	if err := udpEcho(fmt.Sprint(echo), func() (net.Conn, error) { return net.Dial("udp", fmt.Sprintf("127.0.0.1:%d", echo)) }); err != nil {
		t.Error(err)
	}
}
