package appliance

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/config"
	"github.com/tcpbox/tcpbox/hack/testbed"
)

// writeConfig writes c as the state directory's config.json.
func writeConfig(t *testing.T, dir string, c config.Config) {
	t.Helper()
	data, err := config.Encode(&c)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, config.FileName), data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// stateWith returns a new state directory whose config.json holds the
// defaults with tcpbox's static address on a testbed.Pair, 198.18.0.2/24,
// then what edit changes (edit may be nil).
func stateWith(t *testing.T, edit func(c *config.Config)) string {
	t.Helper()
	state := t.TempDir()
	c := config.Defaults()
	c.Address = config.Address{Mode: "static", CIDR: "198.18.0.2/24"}
	if edit != nil {
		edit(&c)
	}
	writeConfig(t, state, c)
	return state
}

// box is a program run in-process on the pair's DUT side, with its admin
// page on the test's loopback.
type testBox struct {
	admin string // base URL
	user  string
	pw    string
	stop  func()
}

var adminLine = regexp.MustCompile(`^tcpbox: admin (http://\S+) \(user (\S+)\)`)

// startBox runs Run with the state directory's configuration, only the
// interface and MAC given on the "command line", and waits for the ready
// lines.
func startBox(t *testing.T, p *testbed.Pair, state string) *testBox {
	t.Helper()
	lines := make(chan string, 16)
	var console strings.Builder
	cfg := Config{
		Iface: p.DUTIf, MAC: tcpboxMAC, StateDir: state, AdminAddr: "127.0.0.1:0",
		Ready: lineWriter{lines}, Console: &console,
		Logger:   testLogger(t),
		OpenLink: openIn(p.DUT),
	}
	r := startRun(t, cfg)
	b := &testBox{stop: r.stop}
	deadline := time.After(60 * time.Second)
	for b.admin == "" {
		select {
		case l := <-lines:
			if m := adminLine.FindStringSubmatch(l); m != nil {
				b.admin, b.user = strings.TrimSuffix(m[1], "/"), m[2]
			}
		case <-r.ended:
			r.endedEarly()
		case <-deadline:
			t.Fatal("no admin line within 60 s")
		}
	}
	pw, err := os.ReadFile(filepath.Join(state, "admin-password"))
	if err != nil {
		t.Fatal(err)
	}
	b.pw = strings.TrimSpace(string(pw))
	return b
}

// testLogger logs to the test when -v is given, else nowhere.
func testLogger(t *testing.T) *slogLogger {
	if !testing.Verbose() {
		return slogDiscard()
	}
	return slogTo(testWriter{t})
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// adminClient talks to the admin API with basic auth and the XSRF token
// of its session, as a browser does.
type adminClient struct {
	t    *testing.T
	b    *testBox
	c    *http.Client
	xsrf string
}

func (b *testBox) client(t *testing.T) *adminClient {
	jar := newJar()
	return &adminClient{t: t, b: b, c: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

// do sends a request; auth and xsrf say whether to send credentials and
// the token.
func (a *adminClient) do(method, path, body string, auth, xsrf bool) (int, []byte) {
	a.t.Helper()
	req, err := http.NewRequest(method, a.b.admin+path, strings.NewReader(body))
	if err != nil {
		a.t.Fatal(err)
	}
	if auth {
		req.SetBasicAuth(a.b.user, a.b.pw)
	}
	if xsrf && a.xsrf != "" {
		req.Header.Set("X-XSRF-Token", a.xsrf)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := a.c.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if tok := resp.Header.Get("X-XSRF-Token"); tok != "" {
		a.xsrf = tok
	}
	return resp.StatusCode, data
}

func (a *adminClient) getJSON(path string, v any) {
	a.t.Helper()
	code, data := a.do("GET", path, "", true, false)
	if code != 200 {
		a.t.Fatalf("GET %s: %d %s", path, code, data)
	}
	if err := json.Unmarshal(data, v); err != nil {
		a.t.Fatalf("GET %s: %v\n%s", path, err, data)
	}
}

// set posts {"set": values} to /api/tuning and returns the status and the
// field errors.
func (a *adminClient) set(values map[string]string) (int, map[string]string) {
	a.t.Helper()
	body, _ := json.Marshal(map[string]any{"set": values})
	code, data := a.do("POST", "/api/tuning", string(body), true, true)
	var out struct {
		Errors []config.FieldError `json:"errors"`
		Error  string              `json:"error"`
	}
	json.Unmarshal(data, &out)
	errs := map[string]string{}
	for _, e := range out.Errors {
		errs[e.Path] = e.Msg
	}
	if out.Error != "" {
		errs[""] = out.Error
	}
	return code, errs
}

type tcpInfoJSON struct {
	Local, Remote string
	Congestion    string
	Listener      string
	AdvMSS        int
}

// infoOf returns what /api/connections says of the connection from the
// kernel's local port.
func (a *adminClient) infoOf(remotePort int) tcpInfoJSON {
	a.t.Helper()
	var d struct {
		Connections []struct {
			Info tcpInfoJSON `json:"info"`
		} `json:"connections"`
	}
	a.getJSON("/api/connections", &d)
	for _, c := range d.Connections {
		if strings.HasSuffix(c.Info.Remote, fmt.Sprintf(":%d", remotePort)) {
			return c.Info
		}
	}
	a.t.Fatalf("no connection from port %d in %+v", remotePort, d.Connections)
	return tcpInfoJSON{}
}

// congestionOf returns the algorithm of the connection from the kernel's
// local port, as tcpbox's admin API reports it.
func (a *adminClient) congestionOf(remotePort int) string {
	a.t.Helper()
	return a.infoOf(remotePort).Congestion
}

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// tcpboxBinary builds the program once per test run.
func tcpboxBinary(t *testing.T) string {
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "tcpbox-bin-")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "tcpbox")
		out, err := exec.Command("go", "build", "-o", builtBin, "./cmd/tcpbox").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

// leakedGoroutines lists goroutines still running tcpbox code (stack,
// nic, services, appliance), waiting up to 10 s for them to end.
func leakedGoroutines() string {
	deadline := time.Now().Add(10 * time.Second)
	for {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		var leaked []string
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.Contains(g, "tcpbox/tcpbox/") && !strings.Contains(g, "testing.tRunner") &&
				!strings.Contains(g, "testing.(*T).Run") && !strings.Contains(g, "leakedGoroutines") {
				leaked = append(leaked, g)
			}
		}
		if len(leaked) == 0 || time.Now().After(deadline) {
			return strings.Join(leaked, "\n\n")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
