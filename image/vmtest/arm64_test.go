package vmtest

import (
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/hack/qemu"
	"github.com/tcpbox/tcpbox/hack/testbed"
	"github.com/tcpbox/tcpbox/image/build"
)

// TestArm64 boots the arm64 image on qemu-system-aarch64 -M virt through
// AAVMF (EDK II) and the image's own systemd-boot (EFI/BOOT/BOOTAA64.EFI,
// loader/entries/gokrazy.conf), tcpbox taking its address from QEMU's DHCP
// server with its own client (the only client on that network, so it gets
// the first lease, 198.18.3.15), and checks UDP and TCP echo.
//
// Without systemd-bootaa64.efi (hack/fetch-efi-arm64.sh not run) it boots
// with -kernel instead, logging why; under CI=true the loader must be there.
func TestArm64(t *testing.T) {
	testbed.Require(t, "qemu-system-aarch64")
	c := config("arm64")
	c.Tcpbox = []string{"-iface", "eth1", "-dhcp", "-state", "/perm/tcpbox"}
	o := qemu.Options{Target: "arm64", Dir: t.TempDir()}
	mode := "arm64 UEFI"
	_, errLoader := os.Stat(build.SystemdBootAA64)
	_, errFW := os.Stat(qemu.AAVMFCode)
	switch {
	case errLoader == nil && errFW == nil:
		c.RequireEFI = true
	case os.Getenv("CI") == "true":
		t.Fatalf("arm64 UEFI boot needs %s (hack/fetch-efi-arm64.sh) and %s (qemu-efi-aarch64): %v %v", build.SystemdBootAA64, qemu.AAVMFCode, errLoader, errFW)
	default:
		t.Logf("booting with -kernel: %v %v", errLoader, errFW)
		kernel, cmdline, err := build.KernelBoot(config("arm64"))
		if err != nil {
			t.Fatal(err)
		}
		o.Kernel, o.Append, mode = kernel, cmdline, "arm64 -kernel"
	}
	o.Image = buildImageWith(t, c, build.MinDiskSize)
	ports := freePorts(t, 2)
	o.TestForwards = []qemu.Forward{
		{Proto: "udp", HostPort: ports[0], GuestPort: 7},
		{Proto: "tcp", HostPort: ports[1], GuestPort: 7},
	}
	vm, line := boot(t, mode, o, 300*time.Second)
	if c.RequireEFI {
		uefiBooted(t, vm)
	}
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

// maxConsole bounds the console lines searched for signs of the boot path.
const maxConsole = 20000

// uefiBooted checks that the kernel came up under UEFI with the command
// line of the image's loader entry: the kernel prints the firmware it found
// ("efi: EFI v2.7 by EDK II"), and with neither -kernel nor -append only
// systemd-boot, reading loader/entries/gokrazy.conf, can have passed the
// command line (root=PARTUUID=...) the kernel reports.
func uefiBooted(t *testing.T, vm *qemu.VM) {
	t.Helper()
	_, want, err := build.KernelBoot(config("arm64"))
	if err != nil {
		t.Fatal(err)
	}
	console := vm.Console(maxConsole)
	for _, s := range []string{"efi: EFI v", "Kernel command line: " + want} {
		if !strings.Contains(console, s) {
			t.Errorf("console lacks %q: not booted through UEFI and systemd-boot? console:\n%s", s, console)
			return
		}
	}
}
