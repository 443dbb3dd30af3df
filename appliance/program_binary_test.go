package appliance

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/config"
	"github.com/tcpbox/tcpbox/hack/testbed"
)

// The built program with its NIC setup on, run with `ip netns exec` in
// the DUT namespace: a link.mtu change through the admin API (curl with
// basic auth, session cookie and XSRF token) re-creates the link with the
// new MTU on the interface itself, without restarting the program; TCP
// echo answers afterwards; SIGTERM exits 0.
func TestProgramBinaryLinkChange(t *testing.T) {
	testbed.Require(t, "go", "curl", "python3")
	bin := tcpboxBinary(t)
	p := testbed.NewPair(t, testbed.PairOptions{})
	state := stateWith(t, func(c *config.Config) {
		c.Link.Interface = p.DUTIf
	})

	prog, got := startProgram(t, p.DUT, 3, bin, "-state", state, "-admin", "127.0.0.1:8080")
	stderr := prog.Stderr
	if got[0] != "tcpbox: ready 198.18.0.2 on "+p.DUTIf || !strings.HasPrefix(got[1], "tcpbox: services tcp_echo 7/tcp") ||
		got[2] != "tcpbox: admin http://127.0.0.1:8080/ (user admin)" {
		t.Fatalf("ready lines %q", got)
	}
	pwb, err := os.ReadFile(filepath.Join(state, "admin-password"))
	if err != nil {
		t.Fatal(err)
	}
	pw := strings.TrimSpace(string(pwb))
	if !strings.Contains(stderr.String(), pw) {
		t.Error("the generated password was not printed at first start")
	}

	jar := filepath.Join(t.TempDir(), "jar")
	curl := func(args ...string) string {
		t.Helper()
		out, errOut, err := p.DUT.Output(30*time.Second, "curl", append([]string{"-sS", "-c", jar, "-b", jar, "-u", "admin:" + pw}, args...)...)
		if err != nil {
			t.Fatalf("curl %v: %v\n%s", args, err, errOut)
		}
		return out
	}
	hdr := curl("-D", "-", "-o", "/dev/null", "http://127.0.0.1:8080/api/overview")
	m := regexp.MustCompile(`(?i)x-xsrf-token: (\S+)`).FindStringSubmatch(hdr)
	if m == nil {
		t.Fatalf("no XSRF token in\n%s", hdr)
	}
	out := curl("-w", "\n%{http_code}", "-H", "X-XSRF-Token: "+m[1], "-H", "Content-Type: application/json",
		"--data", `{"set":{"link.mtu":"1400"}}`, "http://127.0.0.1:8080/api/tuning")
	if !strings.HasSuffix(out, "\n200") {
		t.Fatalf("link.mtu change: %s", out)
	}
	if link := p.DUT.MustRun(t, "ip", "link", "show", "dev", p.DUTIf); !strings.Contains(link, "mtu 1400") {
		t.Errorf("interface after the change: %s", link)
	}
	script := `import socket
s = socket.create_connection(('198.18.0.2', 7), timeout=20)
m = b'after the link change' * 500
s.sendall(m); s.shutdown(socket.SHUT_WR)
got = b''
while True:
    d = s.recv(65536)
    if not d: break
    got += d
assert got == m
print('ok')`
	if out, errOut, err := p.Peer.Output(60*time.Second, "python3", "-c", script); err != nil || strings.TrimSpace(out) != "ok" {
		t.Fatalf("TCP echo after the link change: %v\n%s%s\n%s", err, out, errOut, stderr.String())
	}
	prog.Terminate()
	if log := stderr.String(); !strings.Contains(log, `msg="re-creating link and stack"`) || strings.Count(log, `msg="link up"`) != 2 {
		t.Errorf("log does not show one link re-creation:\n%s", log)
	}
}
