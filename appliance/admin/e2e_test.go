package admin_test

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/appliance/admin"
	"github.com/tcpbox/tcpbox/appliance/admin/admintest"
	"github.com/tcpbox/tcpbox/config"
	"github.com/tcpbox/tcpbox/hack/testbed"
)

// TestBrowser runs e2e/e2e.mjs (playwright-core driving Debian's headless
// chromium) against the admin page serving fake, moving data. Screenshots
// and the downloaded capture go to $TCPBOX_E2E_ARTIFACTS (default: a new
// temporary directory, kept and named in the log). Without node, npm or
// chromium it skips, and fails under CI=true.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	testbed.Tools(t, "node", "npm", chromium, "tshark")
	art := os.Getenv("TCPBOX_E2E_ARTIFACTS")
	if art == "" {
		d, err := os.MkdirTemp("", "tcpbox-e2e-")
		if err != nil {
			t.Fatal(err)
		}
		art = d
	}
	t.Logf("artifacts in %s", art)

	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	if err := admintest.EnsureE2E(ctx, "e2e"); err != nil {
		t.Fatal(err)
	}

	store, _, err := config.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	fake := admintest.New(store, time.Now)
	const pw = "e2e-test-password"
	h, err := admin.New(fake.Deps("admin", pw))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	cmd := exec.CommandContext(ctx, "node", "e2e.mjs")
	cmd.Dir = "e2e"
	cmd.Env = append(os.Environ(), "BASE_URL="+srv.URL, "ADMIN_USER=admin", "ADMIN_PASSWORD="+pw,
		"ARTIFACTS="+art, "CHROMIUM="+chromium)
	out, err := cmd.CombinedOutput()
	t.Logf("e2e.mjs:\n%s", out)
	if err != nil {
		t.Fatalf("browser test failed: %v", err)
	}
	for _, name := range []string{"overview", "tuning", "tuning-invalid", "services", "connections", "connection", "captures", "logs"} {
		if st, err := os.Stat(filepath.Join(art, name+".png")); err != nil || st.Size() == 0 {
			t.Errorf("screenshot %s missing", name)
		}
	}
	// The change went through the store: the file says so.
	if c := store.Get(); c.Services.FramedEcho.Profile != "rr" || c.Profiles["rr"].Congestion != "bbr" {
		t.Errorf("configuration after the browser's change: %+v", c.Services.FramedEcho)
	}
	// tshark reads the downloaded capture.
	tout, err := exec.CommandContext(ctx, "tshark", "-r", filepath.Join(art, "capture.pcap"), "-T", "fields", "-e", "tcp.dstport").Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	lines := strings.Fields(string(tout))
	if len(lines) == 0 {
		t.Fatal("tshark read no frames")
	}
	for _, l := range lines {
		if l != "50000" { // the browser's filter was "tcp port 50000"
			t.Fatalf("frame to port %s in a capture filtered on tcp port 50000", l)
		}
	}
	t.Logf("tshark read %d frames from the downloaded capture", len(lines))
}
