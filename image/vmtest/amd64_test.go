package vmtest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/hack/qemu"
	"github.com/tcpbox/tcpbox/hack/testbed"
	"github.com/tcpbox/tcpbox/image/build"
	"github.com/tcpbox/tcpbox/image/internal/imagetest"
)

// The configuration change TestAmd64 makes through the admin API and
// expects after a reboot and after a network update: TCP echo moves from
// port 7 (RFC 862) to 7007, and the "rr" profile switches to BBR. The port
// is visible from outside, so the test sees the program act on the saved
// file, not just the page show it.
var change = map[string]string{
	"services.tcp_echo.port": "7007",
	"profiles.rr.congestion": "bbr",
}

// fileSize is the file transfer's size (the 64 MiB).
const fileSize = 64 << 20

// TestAmd64 boots the amd64 image through OVMF and systemd-boot and checks,
// from the host: gokrazy's web interface on port 80 and tcpbox's admin
// page on 8080 of the management address, both with authentication; UDP
// echo, TCP echo and framed echo on tcpbox's own address; a 64 MiB HTTP
// PUT and GET to tcpbox's stack with matching SHA-256; a configuration
// change through the admin API that survives a reboot (gokrazy's /reboot)
// and a network update to the other root partition; and /perm clean after
// all of it.
func TestAmd64(t *testing.T) {
	testbed.Require(t, "qemu-system-x86_64", "e2fsck", "dumpe2fs")
	if _, err := os.Stat(qemu.OVMFCode); err != nil {
		if testbed.CI() {
			t.Fatalf("OVMF missing (CI=true): %v", err)
		}
		t.Skipf("OVMF missing: %v", err)
	}
	// /perm large enough for the 64 MiB file beside the configuration.
	size := int64(build.MinDiskSize - build.MinPermSize + 256*build.MiB)
	img := buildImageWith(t, config("amd64"), size)
	ports := freePorts(t, 7)
	web, admin, udpEchoP, echo, echo2, framed, files := ports[0], ports[1], ports[2], ports[3], ports[4], ports[5], ports[6]
	o := qemu.Options{
		Target: "amd64", Image: img, Dir: t.TempDir(),
		MgmtForwards: []qemu.Forward{
			{Proto: "tcp", HostPort: web, GuestPort: 80},
			{Proto: "tcp", HostPort: admin, GuestPort: 8080},
		},
		TestForwards: []qemu.Forward{
			{Proto: "udp", HostPort: udpEchoP, GuestPort: 7},
			{Proto: "tcp", HostPort: echo, GuestPort: 7},
			{Proto: "tcp", HostPort: echo2, GuestPort: 7007},
			{Proto: "tcp", HostPort: framed, GuestPort: 50000},
			{Proto: "tcp", HostPort: files, GuestPort: 80},
		},
	}
	vm, _ := boot(t, "amd64 UEFI", o, 180*time.Second)
	gokrazy := fmt.Sprintf("http://127.0.0.1:%d", web)
	adminURL := fmt.Sprintf("http://127.0.0.1:%d", admin)
	local := func(port int) func() (net.Conn, error) {
		return func() (net.Conn, error) {
			return net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 10*time.Second)
		}
	}

	// gokrazy's web interface on 80 of the management address: refused
	// without the password, served with it.
	waitHTTP(t, gokrazy+"/", "", "", http.StatusUnauthorized, 60*time.Second)
	body := waitHTTP(t, gokrazy+"/", "gokrazy", password, http.StatusOK, 30*time.Second)
	if !strings.Contains(body, "tcpbox-console") {
		t.Errorf("gokrazy's status page does not list the tcpbox service")
	}
	if code, _, _ := httpGet(gokrazy+"/", "gokrazy", "wrong"); code != http.StatusUnauthorized {
		t.Errorf("gokrazy, wrong password: HTTP %d, want 401", code)
	}

	// tcpbox's admin page on 8080, served by the kernel's stack on the
	// management side with gokrazy's password.
	waitHTTP(t, adminURL+"/", "", "", http.StatusUnauthorized, 60*time.Second)
	if code, _, err := httpGet(adminURL+"/", adminUser, "wrong"); code != http.StatusUnauthorized {
		t.Errorf("admin page, wrong password: HTTP %d %v, want 401", code, err)
	}
	body = waitHTTP(t, adminURL+"/", adminUser, password, http.StatusOK, 30*time.Second)
	if !strings.Contains(body, "198.18.3.15") {
		t.Errorf("the admin page's overview does not show tcpbox's address 198.18.3.15")
	}

	// The services on tcpbox's own address, through QEMU's forwarding.
	if err := udpEcho(fmt.Sprint(udpEchoP), func() (net.Conn, error) { return net.Dial("udp", fmt.Sprintf("127.0.0.1:%d", udpEchoP)) }); err != nil {
		t.Error(err)
	}
	check(t, "TCP echo on 7", local(echo), tcpEcho)
	check(t, "framed echo on 50000", local(framed), framedEcho)

	// 64 MiB to tcpbox's stack and back over HTTP, both ways hashed.
	tr, err := putGet(fmt.Sprintf("http://127.0.0.1:%d", files), "vmtest.bin", fileSize)
	if err != nil {
		t.Fatalf("64 MiB transfer: %v", err)
	}
	t.Logf("64 MiB PUT %.1f s (%.1f MB/s), GET %.1f s (%.1f MB/s), sha256 %s", tr.put.Seconds(), tr.putMBps, tr.get.Seconds(), tr.getMBps, tr.sum)
	fmt.Printf("vmtest: %s: 64 MiB HTTP PUT %.1f MB/s, GET %.1f MB/s through QEMU user-mode networking\n", t.Name(), tr.putMBps, tr.getMBps)
	if tr.serverSum != tr.sum {
		t.Errorf("the box stored sha256 %s, sent %s", tr.serverSum, tr.sum)
	}
	if tr.getLength != fileSize || tr.getSum != tr.sum {
		t.Errorf("GET returned %d bytes with sha256 %s; sent %d with %s", tr.getLength, tr.getSum, fileSize, tr.sum)
	}

	// A configuration change through the admin API: refused without the
	// XSRF token, applied with it.
	a := newAdminClient(adminURL, adminUser, password)
	if _, err := a.tuning(); err != nil { // opens a session: cookie and token
		t.Fatal(err)
	}
	if code, b, err := a.set(change, false); code != http.StatusForbidden {
		t.Errorf("change without the XSRF token: HTTP %d %v %.200s, want 403", code, err, b)
	}
	if code, b, err := a.set(change, true); code != http.StatusOK {
		t.Fatalf("change: HTTP %d %v %.300s", code, err, b)
	}
	checkChanged(t, "after the change", adminURL)
	check(t, "TCP echo moved to 7007", local(echo2), tcpEcho)

	// Reboot through gokrazy: the change and the file are on /perm.
	mark := vm.Mark()
	rebooted := time.Now()
	if err := gokrazyReboot(gokrazy, password); err != nil {
		t.Fatal(err)
	}
	waitReady(t, vm, mark, "reboot", rebooted, 180*time.Second)
	// init opens the management forward to gokrazy's page when it sees
	// the DHCP address (polled every 2 s), which can be after tcpbox is
	// ready: until then QEMU resets the host's connections.
	waitHTTP(t, gokrazy+"/", "gokrazy", password, http.StatusOK, 60*time.Second)
	waitHTTP(t, adminURL+"/", adminUser, password, http.StatusOK, 60*time.Second)
	checkChanged(t, "after the reboot", adminURL)
	check(t, "TCP echo on 7007 after the reboot", local(echo2), tcpEcho)
	checkStored(t, fmt.Sprintf("http://127.0.0.1:%d/files/vmtest.bin", files), fileSize)

	// Network update: new root into partition 3, new boot FAT, switch,
	// reboot; the box must come back on root B with the configuration.
	mark = vm.Mark()
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
	updated := time.Now()
	if err := build.Update(ctx, gokrazy, password, boot1, root, t.Logf); err != nil {
		t.Fatalf("%v\nlast console lines:\n%s", err, vm.Console(60))
	}
	if _, err := vm.WaitFor(ctx, mark, regexp.MustCompile(`cmdline: .*/PARTNROFF=2`), 180*time.Second); err != nil {
		t.Fatalf("not booted from root B after the update: %v\n%s", err, vm.Console(40))
	}
	waitReady(t, vm, mark, "update", updated, 180*time.Second)
	waitHTTP(t, gokrazy+"/", "gokrazy", password, http.StatusOK, 60*time.Second)
	waitHTTP(t, adminURL+"/", adminUser, password, http.StatusOK, 60*time.Second)
	checkChanged(t, "after the update", adminURL)
	check(t, "TCP echo on 7007 after the update", local(echo2), tcpEcho)
	check(t, "framed echo after the update", local(framed), framedEcho)
	vm.Stop()

	// /perm survived: the same file system, mounted by every boot, clean.
	tab, err := build.Layout(c, size)
	if err != nil {
		t.Fatal(err)
	}
	perm := imagetest.Extract(t, img, tab.Partitions[3].Start, tab.Partitions[3].Sectors, "perm")
	if out, err := exec.Command("e2fsck", "-fn", perm).CombinedOutput(); err != nil {
		t.Errorf("e2fsck /perm after three boots: %v\n%s", err, out)
	}
	out, _ := exec.Command("dumpe2fs", "-h", perm).CombinedOutput()
	n := -1
	if m := regexp.MustCompile(`Mount count:\s+(\d+)`).FindSubmatch(out); m != nil {
		n, _ = strconv.Atoi(string(m[1]))
	}
	if n < 3 {
		t.Errorf("/perm mounted %d times, want at least 3 (boot, reboot, update):\n%s", n, out)
	}
}

// check dials and runs one client, failing the test on error.
func check(t *testing.T, what string, dial func() (net.Conn, error), client func(net.Conn) error) {
	t.Helper()
	c, err := dial()
	if err != nil {
		t.Errorf("%s: %v", what, err)
		return
	}
	if err := client(c); err != nil {
		t.Errorf("%s: %v", what, err)
	}
}

// checkChanged reads the saved configuration through a new admin session
// and expects every value of change.
func checkChanged(t *testing.T, when, adminURL string) {
	t.Helper()
	got, err := newAdminClient(adminURL, adminUser, password).tuning()
	if err != nil {
		t.Fatalf("%s: %v", when, err)
	}
	for path, want := range change {
		if got[path] != want {
			t.Errorf("%s: %s = %q, want %q", when, path, got[path], want)
		}
	}
}

// checkStored expects the uploaded file to be listed with its size after a
// reboot (HEAD; the content was hashed before).
func checkStored(t *testing.T, url string, size int64) {
	t.Helper()
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Head(url)
	if err != nil {
		t.Errorf("HEAD %s: %v", url, err)
		return
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.ContentLength != size {
		t.Errorf("HEAD %s after the reboot: %s, %d bytes; want 200 with %d", url, resp.Status, resp.ContentLength, size)
	}
}
