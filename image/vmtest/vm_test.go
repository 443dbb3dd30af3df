package vmtest

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/hack/qemu"
	"github.com/tcpbox/tcpbox/hack/testbed"
	"github.com/tcpbox/tcpbox/image/build"
	"github.com/tcpbox/tcpbox/image/gpt"
)

const password = "vmtest-password"

var readyRe = regexp.MustCompile(`^tcpbox: ready`)

// config builds tcpbox from ./appliance/cmd/tcpbox, or takes the binary
// named by $TCPBOX_VMTEST_TCPBOX_<TARGET> (built for the target), to boot a
// particular build.
func config(target string) *build.Config {
	return &build.Config{Target: target, Password: password, RepoDir: "../..",
		TcpboxBinary: os.Getenv("TCPBOX_VMTEST_TCPBOX_" + strings.ToUpper(target))}
}

// buildImage writes a fresh image of the smallest size into the test's
// temporary directory.
func buildImage(t *testing.T, target string) string {
	t.Helper()
	return buildImageWith(t, config(target))
}

func buildImageWith(t *testing.T, c *build.Config) string {
	t.Helper()
	target := c.Target
	p := filepath.Join(t.TempDir(), "tcpbox-"+target+".img")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(build.MinDiskSize); err != nil {
		t.Fatal(err)
	}
	c.Log = t.Logf
	start := time.Now()
	if err := build.Disk(f, build.MinDiskSize, c, false); err != nil {
		t.Fatal(err)
	}
	t.Logf("built the %s image in %.1f s", target, time.Since(start).Seconds())
	return p
}

// boot starts a VM and waits for tcpbox's ready line, booting once more if
// the first boot fails (logged in full).
func boot(t *testing.T, o qemu.Options, timeout time.Duration) (*qemu.VM, string) {
	t.Helper()
	for attempt := 1; ; attempt++ {
		vm, err := qemu.Start(o)
		if err != nil {
			t.Fatal(err)
		}
		line, err := vm.WaitFor(context.Background(), 0, readyRe, timeout)
		if err == nil {
			took := time.Since(vm.Started)
			t.Logf("QEMU start to %q: %.1f s", line, took.Seconds())
			fmt.Printf("vmtest: %s: QEMU start to tcpbox: ready: %.1f s\n", t.Name(), took.Seconds())
			t.Cleanup(vm.Stop)
			return vm, line
		}
		console := vm.Console(60)
		vm.Stop()
		if attempt == 1 {
			// Under software emulation on a loaded machine a boot can
			// fail on its own (an early panic about 1 in 20 with -smp 2;
			// once, a boot that never got ready in 180 s). Boot once more,
			// keeping the first console for the log.
			t.Logf("boot attempt 1 failed, booting again: %v\nlast console lines:\n%s", err, console)
			continue
		}
		t.Fatalf("%v\nlast console lines:\n%s", err, console)
	}
}

func httpGet(url, user, pass string) (int, string, error) {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, string(b), nil
}

// waitHTTP polls url until it answers with want, for at most d.
func waitHTTP(t *testing.T, url, user, pass string, want int, d time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		code, body, err := httpGet(url, user, pass)
		if err == nil && code == want {
			return body
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s: %d %v (want %d)", url, code, err, want)
		}
		time.Sleep(time.Second)
	}
}

// udpEcho sends datagrams to addr until one comes back unchanged: up to
// 20 tries of 2 s each.
func udpEcho(addr string, dial func() (net.Conn, error)) error {
	c, err := dial()
	if err != nil {
		return err
	}
	defer c.Close()
	for i := 0; i < 20; i++ {
		msg := fmt.Sprintf("tcpbox vmtest %d", i)
		if _, err := c.Write([]byte(msg)); err != nil {
			return err
		}
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		buf := make([]byte, 1500)
		n, err := c.Read(buf)
		if err == nil {
			if string(buf[:n]) != msg {
				return fmt.Errorf("udp echo %s: sent %q, got %q", addr, msg, buf[:n])
			}
			return nil
		}
	}
	return fmt.Errorf("udp echo %s: no answer to 20 datagrams", addr)
}

func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ps []int
	for len(ps) < n {
		p, err := qemu.FreePort()
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	return ps
}

// TestAmd64 boots the amd64 image through OVMF and systemd-boot, checks the
// gokrazy web interface (with authentication) on the management NIC and
// UDP echo on tcpbox's NIC, pushes an update over the network, and checks
// the box comes back from the other root partition with /perm kept.
func TestAmd64(t *testing.T) {
	testbed.Require(t, "qemu-system-x86_64", "e2fsck", "dumpe2fs")
	if _, err := os.Stat(qemu.OVMFCode); err != nil {
		if testbed.CI() {
			t.Fatalf("OVMF missing (CI=true): %v", err)
		}
		t.Skipf("OVMF missing: %v", err)
	}
	img := buildImage(t, "amd64")
	ports := freePorts(t, 2)
	web, echo := ports[0], ports[1]
	o := qemu.Options{
		Target: "amd64", Image: img, Dir: t.TempDir(),
		MgmtForwards: []qemu.Forward{{Proto: "tcp", HostPort: web, GuestPort: 80}},
		TestForwards: []qemu.Forward{{Proto: "udp", HostPort: echo, GuestPort: 7}},
	}
	vm, _ := boot(t, o, 180*time.Second)
	base := fmt.Sprintf("http://127.0.0.1:%d", web)

	// gokrazy's web interface over the management NIC: refused without
	// the password, served with it.
	waitHTTP(t, base+"/", "", "", http.StatusUnauthorized, 60*time.Second)
	body := waitHTTP(t, base+"/", "gokrazy", password, http.StatusOK, 30*time.Second)
	if !strings.Contains(body, "tcpbox-console") {
		t.Errorf("gokrazy's status page does not list the tcpbox service")
	}
	if code, _, _ := httpGet(base+"/", "gokrazy", "wrong"); code != http.StatusUnauthorized {
		t.Errorf("wrong password: HTTP %d, want 401", code)
	}

	// UDP echo (RFC 862) on tcpbox's NIC, through QEMU's forwarding.
	if err := udpEcho(fmt.Sprint(echo), func() (net.Conn, error) { return net.Dial("udp", fmt.Sprintf("127.0.0.1:%d", echo)) }); err != nil {
		t.Error(err)
	}

	// Network update: new root into partition 3, new boot FAT, switch,
	// reboot (kexec); the box must come back on root B.
	mark := vm.Mark()
	c := config("amd64")
	boot1, _, err := build.BootFAT(c)
	if err != nil {
		t.Fatal(err)
	}
	root, err := build.RootSquashfs(c)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := build.Update(ctx, base, password, boot1, root, t.Logf); err != nil {
		t.Fatal(err)
	}
	updated := time.Now()
	if _, err := vm.WaitFor(ctx, mark, regexp.MustCompile(`cmdline: .*/PARTNROFF=2`), 180*time.Second); err != nil {
		t.Fatalf("not booted from root B after the update: %v\n%s", err, vm.Console(40))
	}
	if _, err := vm.WaitFor(ctx, mark, readyRe, 180*time.Second); err != nil {
		t.Fatalf("tcpbox not ready after the update: %v\n%s", err, vm.Console(40))
	}
	t.Logf("update to tcpbox: ready on root B: %.1f s", time.Since(updated).Seconds())
	waitHTTP(t, base+"/", "gokrazy", password, http.StatusOK, 60*time.Second)
	vm.Stop()

	// /perm survived: the same file system, mounted by both boots, clean.
	tab, err := build.Layout(c, build.MinDiskSize)
	if err != nil {
		t.Fatal(err)
	}
	perm := extract(t, img, tab.Partitions[3])
	if out, err := exec.Command("e2fsck", "-fn", perm).CombinedOutput(); err != nil {
		t.Errorf("e2fsck /perm after two boots: %v\n%s", err, out)
	}
	out, _ := exec.Command("dumpe2fs", "-h", perm).CombinedOutput()
	if !regexp.MustCompile(`Mount count:\s+2\b`).Match(out) {
		t.Errorf("/perm was not mounted by both boots:\n%s", out)
	}
}

func extract(t *testing.T, img string, p gpt.Partition) string {
	t.Helper()
	in, err := os.Open(img)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out := filepath.Join(t.TempDir(), "part")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := io.Copy(f, io.NewSectionReader(in, int64(p.Start)*512, int64(p.Sectors)*512)); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestTapInNamespace attaches tcpbox's NIC to a tap device in a network
// namespace: the Linux kernel there reaches tcpbox in the VM directly at
// layer 2 (ARP, ICMP echo, UDP echo).
func TestTapInNamespace(t *testing.T) {
	testbed.Require(t, "qemu-system-x86_64", "arping", "ping", "python3")
	img := buildImage(t, "amd64")
	ns := testbed.NewNS(t, "q")
	ns.MustRun(t, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1")
	ns.MustRun(t, "ip", "tuntap", "add", "dev", "tap0", "mode", "tap")
	ns.MustRun(t, "ip", "addr", "add", "198.18.3.1/24", "dev", "tap0")
	ns.MustRun(t, "ip", "link", "set", "tap0", "up")
	o := qemu.Options{Target: "amd64", Image: img, Dir: t.TempDir(), TestTap: "tap0", NetNS: ns.Name}
	boot(t, o, 180*time.Second)

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
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// TestArm64 boots the arm64 image on qemu-system-aarch64 -M virt with
// -kernel (no aarch64 systemd-boot here), tcpbox taking its address from
// QEMU's DHCP server with its own client (the only client on that network,
// so it gets the first lease, 198.18.3.15), and checks UDP echo.
func TestArm64(t *testing.T) {
	testbed.Require(t, "qemu-system-aarch64")
	c := config("arm64")
	c.Tcpbox = []string{"-iface", "eth1", "-dhcp", "-state", "/perm/tcpbox"}
	img := buildImageWith(t, c)
	kernel, cmdline, err := build.KernelBoot(config("arm64"))
	if err != nil {
		t.Fatal(err)
	}
	ports := freePorts(t, 1)
	o := qemu.Options{
		Target: "arm64", Image: img, Dir: t.TempDir(), Kernel: kernel, Append: cmdline,
		TestForwards: []qemu.Forward{{Proto: "udp", HostPort: ports[0], GuestPort: 7}},
	}
	_, line := boot(t, o, 300*time.Second)
	if !strings.Contains(line, qemu.TestGuest) {
		t.Errorf("ready line %q lacks the DHCP lease %s", line, qemu.TestGuest)
	}
	if err := udpEcho(fmt.Sprint(ports[0]), func() (net.Conn, error) { return net.Dial("udp", fmt.Sprintf("127.0.0.1:%d", ports[0])) }); err != nil {
		t.Error(err)
	}
}

// TestMacvlanShared boots the amd64 image configured as a Raspberry Pi is:
// one NIC shared by the kernel (management, DHCP) and tcpbox on a macvlan
// child with its own MAC and address. Both must answer on the same wire:
// gokrazy's web interface on the kernel's address, UDP echo on tcpbox's.
func TestMacvlanShared(t *testing.T) {
	testbed.Require(t, "qemu-system-x86_64")
	const tcpboxAddr = "198.18.2.50"
	c := config("amd64")
	c.NIC = "macvlan eth0 tcpbox0"
	c.Tcpbox = []string{"-iface", "tcpbox0", "-addr", tcpboxAddr + "/24", "-state", "/perm/tcpbox"}
	img := buildImageWith(t, c)
	ports := freePorts(t, 2)
	web, echo := ports[0], ports[1]
	o := qemu.Options{
		Target: "amd64", Image: img, Dir: t.TempDir(),
		MgmtForwards: []qemu.Forward{
			{Proto: "tcp", HostPort: web, GuestPort: 80},
			{Proto: "udp", HostPort: echo, GuestPort: 7, GuestAddr: tcpboxAddr},
		},
	}
	_, line := boot(t, o, 180*time.Second)
	if !strings.Contains(line, "tcpbox0") {
		t.Errorf("ready line %q does not name the macvlan child", line)
	}
	waitHTTP(t, fmt.Sprintf("http://127.0.0.1:%d/", web), "gokrazy", password, http.StatusOK, 60*time.Second)
	if err := udpEcho(fmt.Sprint(echo), func() (net.Conn, error) { return net.Dial("udp", fmt.Sprintf("127.0.0.1:%d", echo)) }); err != nil {
		t.Error(err)
	}
}
