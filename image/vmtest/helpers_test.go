package vmtest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/hack/qemu"
	"github.com/tcpbox/tcpbox/image/build"
	"github.com/tcpbox/tcpbox/image/internal/imagetest"
)

const password = "vmtest-password"

// adminUser is the admin page's user under gokrazy: the page takes
// gokrazy's password, and with it gokrazy's user name
// (appliance/admin.GokrazyPassword).
const adminUser = "gokrazy"

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
	return buildImageWith(t, config(target), build.MinDiskSize)
}

// buildImageWith writes an image of size bytes (a sparse file) built from
// c; /perm takes what the boot and root partitions leave.
func buildImageWith(t *testing.T, c *build.Config, size int64) string {
	t.Helper()
	target := c.Target
	f := imagetest.Blank(t, "tcpbox-"+target+".img", size)
	c.Log = t.Logf
	start := time.Now()
	if err := build.Disk(f, size, c, false); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("built the %s image in %.1f s", target, time.Since(start).Seconds())
	return f.Name()
}

// boot starts a VM and waits for tcpbox's ready line, booting once more if
// the first boot fails (logged in full). mode names the boot path in the
// printed time (e.g. "amd64 UEFI").
func boot(t *testing.T, mode string, o qemu.Options, timeout time.Duration) (*qemu.VM, string) {
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
			fmt.Printf("vmtest: %s (%s): QEMU start to tcpbox: ready: %.1f s\n", t.Name(), mode, took.Seconds())
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

// waitReady waits for the next ready line after console position mark,
// after a reboot or an update, and reports how long it took since since.
func waitReady(t *testing.T, vm *qemu.VM, mark int, what string, since time.Time, timeout time.Duration) string {
	t.Helper()
	line, err := vm.WaitFor(context.Background(), mark, readyRe, timeout)
	if err != nil {
		t.Fatalf("tcpbox not ready after %s: %v\n%s", what, err, vm.Console(60))
	}
	took := time.Since(since)
	t.Logf("%s to %q: %.1f s", what, line, took.Seconds())
	fmt.Printf("vmtest: %s: %s to tcpbox: ready: %.1f s\n", t.Name(), what, took.Seconds())
	return line
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

func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ps []int
	for len(ps) < n {
		p, err := qemu.FreePort()
		if err != nil {
			t.Fatal(err)
		}
		dup := false
		for _, q := range ps {
			dup = dup || q == p
		}
		if !dup {
			ps = append(ps, p)
		}
	}
	return ps
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
