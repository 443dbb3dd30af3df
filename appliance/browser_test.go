package appliance

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/appliance/admin/admintest"
	"github.com/tcpbox/tcpbox/config"
	"github.com/tcpbox/tcpbox/hack/testbed"
)

// bulkClient is a kernel client that keeps a framed-echo transfer running
// on port 50000: 256 KiB frames, each connection for at most 40 s, a new
// connection when one ends (for example when the service is re-created);
// bounded by count and by time.
const bulkClient = `import socket, struct, time
end = time.time() + 300
frame = bytes((i * 11) & 255 for i in range(256 << 10))
conns = 0
while time.time() < end and conns < 200:
    conns += 1
    try:
        s = socket.create_connection(('198.18.0.2', 50000), timeout=10)
        stop = min(end, time.time() + 40)
        while time.time() < stop:
            s.sendall(struct.pack('>I', len(frame)) + frame)
            got = 0
            while got < 4 + len(frame):
                d = s.recv(1 << 20)
                if not d:
                    raise EOFError
                got += len(d)
        s.close()
    except Exception:
        time.sleep(0.2)
`

// The admin browser test (appliance/admin/e2e/e2e.mjs, headless chromium)
// against the real program in a namespace testbed: it logs in, changes
// framed echo's algorithm, finds the next kernel connection using it on
// its page, sees that connection's cwnd plot move while the bulk client
// runs, and downloads a capture that tshark reads here. Screenshots go to
// $TCPBOX_E2E_ARTIFACTS, default a directory under the test's temporary
// directory (printed).
func TestProgramBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	testbed.Require(t, "node", "npm", "chromium", "tshark", "python3")
	e2e, err := filepath.Abs("admin/e2e")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	if err := admintest.EnsureE2E(ctx, e2e); err != nil {
		t.Fatal(err)
	}
	art := os.Getenv("TCPBOX_E2E_ARTIFACTS")
	if art == "" {
		art = filepath.Join(t.TempDir(), "artifacts")
	}
	t.Logf("screenshots and capture in %s", art)

	p := testbed.NewPair(t, testbed.PairOptions{})
	state := stateWith(t, nil)
	b := startBox(t, p, state)

	client := p.Peer.Cmd(ctx, "python3", "-c", bulkClient)
	var clientOut strings.Builder
	client.Stdout, client.Stderr = &clientOut, &clientOut
	if err := client.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		client.Process.Kill() // our own child, by its PID
		client.Wait()
	}()

	chromium, _ := exec.LookPath("chromium")
	cmd := exec.CommandContext(ctx, "node", "e2e.mjs")
	cmd.Dir = e2e
	cmd.Env = append(os.Environ(), "BASE_URL="+b.admin, "ADMIN_USER="+b.user, "ADMIN_PASSWORD="+b.pw,
		"ARTIFACTS="+art, "CHROMIUM="+chromium, "SERVICE=framed_echo", "ALGORITHM=bbr")
	out, err := cmd.CombinedOutput()
	t.Logf("e2e.mjs:\n%s", out)
	if err != nil {
		t.Fatalf("browser test failed: %v (bulk client: %s)", err, clientOut.String())
	}
	for _, name := range []string{"overview", "tuning", "tuning-invalid", "services", "connections", "connection", "captures", "logs"} {
		if st, err := os.Stat(filepath.Join(art, name+".png")); err != nil || st.Size() == 0 {
			t.Errorf("screenshot %s missing", name)
		}
	}
	// The change reached the file.
	store, _, err := config.Open(state)
	if err != nil {
		t.Fatal(err)
	}
	if got := store.Get(); got.Services.FramedEcho.Profile != "rr" || got.Profiles["rr"].Congestion != "bbr" {
		t.Errorf("config after the browser's change: framed_echo profile %q, rr %q", got.Services.FramedEcho.Profile, got.Profiles["rr"].Congestion)
	}
	// tshark reads the capture, and every frame in it is port 50000 (the
	// browser's filter) in one direction or the other.
	tout, err := exec.CommandContext(ctx, "tshark", "-r", filepath.Join(art, "capture.pcap"), "-T", "fields", "-e", "tcp.srcport", "-e", "tcp.dstport").Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(tout)), "\n")
	if len(lines) == 0 || lines[0] == "" {
		t.Fatal("tshark read no frames")
	}
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) != 2 || (f[0] != "50000" && f[1] != "50000") {
			t.Fatalf("frame %q in a capture filtered on tcp port 50000", l)
		}
	}
	t.Logf("tshark read %d frames from the downloaded capture", len(lines))
}
