package appliance

import (
	"crypto/sha256"
	"encoding/hex"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/config"
	"github.com/tcpbox/tcpbox/hack/testbed"
	"github.com/tcpbox/tcpbox/services/chargen"
)

// servicesScript is a kernel client (Python 3 sockets) of every service on
// tcpbox's address; it prints "ok" or fails with the service's name.
const servicesScript = `import socket, struct, sys
A = '198.18.0.2'
def conn(port):
    return socket.create_connection((A, port), timeout=20)
def readall(s):
    got = b''
    while True:
        d = s.recv(65536)
        if not d:
            return got
        got += d
def readn(s, n):
    got = b''
    while len(got) < n:
        d = s.recv(n - len(got))
        assert d, ('eof', n, len(got))
        got += d
    return got
# TCP echo (RFC 862): 100 KB, half-close, everything back.
m = bytes((i * 7) & 255 for i in range(100000))
s = conn(7); s.sendall(m); s.shutdown(socket.SHUT_WR)
assert readall(s) == m, 'tcp echo'
# Framed echo: lengths 0, 1, 1000, 300000.
s = conn(50000)
for n in (0, 1, 1000, 300000):
    m = bytes((i * 13) & 255 for i in range(n))
    s.sendall(struct.pack('>I', n) + m)
    k = struct.unpack('>I', readn(s, 4))[0]
    assert k == n, ('framed length', n, k)
    assert readn(s, k) == m, ('framed data', n)
s.close()
# Discard (RFC 863): 200 KB in, nothing out, a clean close.
s = conn(9); s.sendall(b'd' * 200000); s.shutdown(socket.SHUT_WR)
assert readall(s) == b'', 'discard'
# Chargen (RFC 864): the pattern.
s = conn(19)
assert readn(s, 2000) == bytes.fromhex(sys.argv[1]), 'chargen'
s.close()
# UDP echo (RFC 862 §3).
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(5)
for n in (1, 1400, 9000):
    m = bytes((i * 3) & 255 for i in range(n))
    u.sendto(m, (A, 7))
    d, a = u.recvfrom(65536)
    assert d == m and a == (A, 7), ('udp echo', n)
print('ok')
`

// The program as configured by its file: every service answers the
// kernel's clients on tcpbox's own address (Python sockets, curl, and
// tcpbox's own put/get/ls client), each on its configured profile.
func TestProgramServices(t *testing.T) {
	testbed.Require(t, "python3", "curl", "go")
	bin := tcpboxBinary(t)
	p := testbed.NewPair(t, testbed.PairOptions{})
	state := stateWith(t, func(c *config.Config) {
		c.Address.Gateway = "198.18.0.1"
		c.Services.FramedEcho.Profile = "rr"
		c.Services.HTTPFile.Profile = "bulk"
		c.Services.FramedFile.Profile = "bulk"
	})
	b := startBox(t, p, state)
	a := b.client(t)

	if out, errOut, err := p.Peer.Output(120*time.Second, "python3", "-c", servicesScript, hex.EncodeToString(chargen.Pattern(2000))); err != nil || strings.TrimSpace(out) != "ok" {
		t.Fatalf("python clients: %v\n%s\n%s", err, out, errOut)
	}

	// HTTP file transfer: upload 4 MiB with curl, download, compare.
	dir := t.TempDir()
	data := make([]byte, 4<<20)
	for i := range data {
		data[i] = byte(i*31 + i>>9)
	}
	src := filepath.Join(dir, "up.bin")
	if err := os.WriteFile(src, data, 0o644); err != nil {
		t.Fatal(err)
	}
	want := sha256.Sum256(data)
	if _, errOut, err := p.Peer.Output(60*time.Second, "curl", "-sSf", "-T", src, "http://198.18.0.2/files/up.bin"); err != nil {
		t.Fatalf("curl PUT: %v\n%s", err, errOut)
	}
	down := filepath.Join(dir, "down.bin")
	if _, errOut, err := p.Peer.Output(60*time.Second, "curl", "-sSf", "-o", down, "http://198.18.0.2/files/up.bin"); err != nil {
		t.Fatalf("curl GET: %v\n%s", err, errOut)
	}
	if got, _ := os.ReadFile(down); sha256.Sum256(got) != want {
		t.Fatalf("HTTP download differs (%d bytes)", len(got))
	}
	if _, err := os.Stat(filepath.Join(state, "files", "up.bin")); err != nil {
		t.Fatalf("uploaded file not under <state>/files: %v", err)
	}

	// Framed file protocol with the program's own client (tcpbox put/ls/get).
	if out, errOut, err := p.Peer.Output(60*time.Second, bin, "put", "-name", "fp.bin", src, "198.18.0.2"); err != nil {
		t.Fatalf("tcpbox put: %v\n%s%s", err, out, errOut)
	}
	if out, errOut, err := p.Peer.Output(60*time.Second, bin, "ls", "198.18.0.2"); err != nil || !strings.Contains(out, "fp.bin") {
		t.Fatalf("tcpbox ls: %v\n%s%s", err, out, errOut)
	}
	got := filepath.Join(dir, "fp.out")
	if out, errOut, err := p.Peer.Output(60*time.Second, bin, "get", "-o", got, "fp.bin", "198.18.0.2"); err != nil {
		t.Fatalf("tcpbox get: %v\n%s%s", err, out, errOut)
	}
	if g, _ := os.ReadFile(got); sha256.Sum256(g) != want {
		t.Fatalf("framed file download differs (%d bytes)", len(g))
	}

	// The services page counts what the clients did, per service.
	var page struct {
		Services []struct {
			Name       string `json:"name"`
			Listening  bool   `json:"listening"`
			Congestion string `json:"congestion"`
			Counters   []struct {
				Name  string `json:"name"`
				Value uint64 `json:"value"`
			} `json:"counters"`
		} `json:"services"`
	}
	a.getJSON("/api/services", &page)
	svcs := page.Services
	seen := map[string]bool{}
	for _, s := range svcs {
		seen[s.Name] = s.Listening
		if s.Name == "discard" {
			for _, v := range s.Counters {
				if v.Name == "tcp_bytes_in" && v.Value != 200000 {
					t.Errorf("discard counted %d bytes in, want 200000", v.Value)
				}
			}
		}
		if s.Name == "framed_echo" && s.Congestion != "newreno" {
			t.Errorf("framed_echo congestion %q, want newreno (profile rr)", s.Congestion)
		}
		if s.Name == "http_file" && s.Congestion != "bbr" {
			t.Errorf("http_file congestion %q, want bbr (profile bulk)", s.Congestion)
		}
	}
	for _, n := range serviceNames {
		if !seen[n] {
			t.Errorf("service %s not listening: %+v", n, svcs)
		}
	}

	// The link busy-polls after traffic by default (link.busy_poll), and
	// the overview counts the batches that found frames that way: the
	// request/response exchanges above (echo, framed echo) must have
	// given some.
	var ov struct {
		Counters []struct {
			Layer string `json:"layer"`
			Name  string `json:"name"`
			Value uint64 `json:"value"`
		} `json:"counters"`
	}
	a.getJSON("/api/overview", &ov)
	// So does the receive wait: every batch read from the frame ring is
	// measured (nic.Stats.RxWaitBatches).
	for _, name := range []string{"rx_busy_polled", "rx_wait_batches"} {
		found := false
		for _, c := range ov.Counters {
			if c.Layer == "link" && c.Name == name {
				found = true
				if c.Value == 0 {
					t.Errorf("link %s is 0 after the exchanges above", name)
				}
			}
		}
		if !found {
			t.Errorf("no link %s counter in /api/overview", name)
		}
	}
	// The transmit goroutine's polling follows link.busy_poll; whether
	// the exchanges above gave it work depends on timing, so only the
	// counter's presence is checked here (stack's TestHandOffBareReplies
	// checks its value).
	found := false
	for _, c := range ov.Counters {
		found = found || (c.Layer == "stack" && c.Name == "tx_busy_polled")
	}
	if !found {
		t.Error("no stack tx_busy_polled counter in /api/overview")
	}
}

// kernelConn opens a TCP connection from the peer namespace's kernel to
// tcpbox's port and returns it with its local port.
func kernelConn(t *testing.T, p *testbed.Pair, port int) (net.Conn, int) {
	t.Helper()
	var c net.Conn
	err := p.Peer.Do(func() error {
		var err error
		c, err = net.DialTimeout("tcp", "198.18.0.2:"+strconv.Itoa(port), 20*time.Second)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	// One framed round trip, so the connection is established on both
	// sides before the admin page is asked.
	c.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := c.Write([]byte{0, 0, 0, 2, 'h', 'i'}); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 6)
	if _, err := readFull(c, buf); err != nil {
		t.Fatal(err)
	}
	return c, c.LocalAddr().(*net.TCPAddr).Port
}

func readFull(c net.Conn, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		k, err := c.Read(b[n:])
		n += k
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// The admin API changes framed echo's algorithm live: the connection open
// before keeps its algorithm, the next one from the kernel uses the new
// one. Invalid values are refused with field errors and change nothing;
// no credentials is 401, no XSRF token 403; the change survives a restart
// of the program; and after the program stops no goroutine of it is left.
func TestProgramAdminLiveApply(t *testing.T) {
	testbed.Require(t, "go")
	p := testbed.NewPair(t, testbed.PairOptions{})
	state := stateWith(t, func(c *config.Config) {
		c.Services.FramedEcho.Profile = "rr"
	})
	b := startBox(t, p, state)
	a := b.client(t)

	// Without credentials: 401. With them but without the token: 403.
	if code, _ := a.do("GET", "/api/overview", "", false, false); code != 401 {
		t.Errorf("no credentials: %d, want 401", code)
	}
	a.getJSON("/api/overview", &map[string]any{}) // a session and its token
	if code, _ := a.do("POST", "/api/tuning", `{"set":{"profiles.rr.congestion":"cubic"}}`, true, false); code != 403 {
		t.Errorf("no XSRF token: %d, want 403", code)
	}

	old, oldPort := kernelConn(t, p, 50000)
	if got := a.congestionOf(oldPort); got != "newreno" {
		t.Fatalf("first connection uses %q, want newreno (profile rr)", got)
	}
	saved, _ := os.ReadFile(filepath.Join(state, config.FileName))

	// Invalid values: each refused beside its field, nothing saved.
	for _, bad := range []struct{ path, value string }{
		{"profiles.rr.mss_clamp", "20"},
		{"profiles.rr.rcvbuf", "-1"},
		{"profiles.rr.congestion", "vegas"},
		{"services.udp_echo.port", "9"}, // discard holds 9/udp as well (RFC 863 §3)
	} {
		code, errs := a.set(map[string]string{bad.path: bad.value})
		if code != 422 || errs[bad.path] == "" {
			t.Errorf("%s=%s: %d %v, want 422 with an error for the field", bad.path, bad.value, code, errs)
		}
		if now, _ := os.ReadFile(filepath.Join(state, config.FileName)); string(now) != string(saved) {
			t.Errorf("%s=%s: config.json changed", bad.path, bad.value)
		}
	}
	// The services still run as before (UDP echo on 7, framed echo).
	if got := a.congestionOf(oldPort); got != "newreno" {
		t.Fatalf("after refused changes: %q", got)
	}

	if code, errs := a.set(map[string]string{"profiles.rr.congestion": "bbr"}); code != 200 {
		t.Fatalf("setting bbr: %d %v", code, errs)
	}
	_, newPort := kernelConn(t, p, 50000)
	if got := a.congestionOf(newPort); got != "bbr" {
		t.Errorf("next connection uses %q, want bbr", got)
	}
	if got := a.congestionOf(oldPort); got != "newreno" {
		t.Errorf("open connection changed to %q; it keeps the algorithm it started with", got)
	}
	old.Close()

	// A port change re-creates that listener.
	if code, errs := a.set(map[string]string{"services.framed_echo.port": "50010"}); code != 200 {
		t.Fatalf("port change: %d %v", code, errs)
	}
	_, movedPort := kernelConn(t, p, 50010)
	var port int
	if got := a.congestionOf(movedPort); got != "bbr" {
		t.Errorf("moved framed echo uses %q", got)
	}

	// An MTU change re-creates link, stack and services in the process;
	// the next connection advertises the MSS of the new MTU.
	if code, errs := a.set(map[string]string{"link.mtu": "1400"}); code != 200 {
		t.Fatalf("MTU change: %d %v", code, errs)
	}
	_, port = kernelConn(t, p, 50010)
	if got := a.infoOf(port).AdvMSS; got != 1360 {
		t.Errorf("after link.mtu 1400 the next connection advertises MSS %d, want 1360", got)
	}
	// An address change moves tcpbox to the new address at once.
	if code, errs := a.set(map[string]string{"address.cidr": "198.18.0.3/24"}); code != 200 {
		t.Fatalf("address change: %d %v", code, errs)
	}
	if out, errOut, err := p.Peer.Output(30*time.Second, "python3", "-c", udpEchoTo, "198.18.0.3"); err != nil || strings.TrimSpace(out) != "ok" {
		t.Fatalf("UDP echo on the new address: %v\n%s%s", err, out, errOut)
	}
	if code, errs := a.set(map[string]string{"address.cidr": "198.18.0.2/24"}); code != 200 {
		t.Fatalf("address change back: %d %v", code, errs)
	}

	// Restart: the configuration is what the page saved.
	b.stop()
	if leaked := leakedGoroutines(); leaked != "" {
		t.Errorf("goroutines left after Run returned:\n%s", leaked)
	}
	b = startBox(t, p, state)
	a = b.client(t)
	_, port = kernelConn(t, p, 50010)
	if got := a.congestionOf(port); got != "bbr" {
		t.Errorf("after restart the next connection uses %q, want bbr", got)
	}
}

// udpEchoTo sends one datagram to UDP echo at argv[1] and expects it back
// from there.
const udpEchoTo = `import socket, sys
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(5)
for i in range(5):
    u.sendto(b'moved', (sys.argv[1], 7))
    try:
        d, a = u.recvfrom(100)
        break
    except socket.timeout:
        continue
assert d == b'moved' and a == (sys.argv[1], 7), (d, a)
print('ok')
`
