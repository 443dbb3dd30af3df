package admin_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/appliance/admin"
	"github.com/tcpbox/tcpbox/config"
	"github.com/tcpbox/tcpbox/hack/testbed"
)

func ioNop(s string) io.ReadCloser { return io.NopCloser(strings.NewReader(s)) }

func TestCaptureStartStopDownload(t *testing.T) {
	e := newEnv(t)
	e.login()
	for _, bad := range []url.Values{
		{"max_bytes": {"10"}},
		{"max_bytes": {"1e9"}},
		{"max_bytes": {"4096"}, "max_duration": {"forever"}},
		{"filter": {strings.Repeat("x", 300)}},
	} {
		if r := e.post("/captures", bad); r.code != 422 {
			t.Errorf("%v: %d", bad, r.code)
		}
	}
	if r := e.post("/captures", url.Values{"filter": {"tcp port 50000"}, "max_bytes": {"65536"}}); r.code != 303 {
		t.Fatalf("start: %d %s", r.code, r.body)
	}
	e.clock.Advance(time.Second)
	if r := e.post("/captures/1/stop", nil); r.code != 303 {
		t.Fatalf("stop: %d", r.code)
	}
	r := e.do("GET", "/captures/1/pcap", nil)
	if r.code != 200 || !strings.Contains(r.hdr.Get("Content-Disposition"), "attachment") {
		t.Fatalf("download: %d", r.code)
	}
	b := []byte(r.body)
	n := len(readPcap(t, b))
	if n != 75 {
		t.Errorf("%d frames, want 75 (100 per second, of which 3 in 4 TCP to port 50000)", n)
	}
	if r := e.do("GET", "/captures/9/pcap", nil); r.code != 404 {
		t.Errorf("missing capture: %d", r.code)
	}
	// tshark, the independent judge, reads it.
	testbed.Tools(t, "tshark")
	path := filepath.Join(t.TempDir(), "c.pcap")
	os.WriteFile(path, b, 0o600)
	out, err := exec.Command("tshark", "-r", path, "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE",
		"-Y", "tcp.checksum.status == 1 && ip.checksum.status == 1", "-T", "fields", "-e", "frame.number").Output()
	if err != nil {
		t.Fatalf("tshark: %v\n%s", err, out)
	}
	if lines := strings.Count(strings.TrimSpace(string(out)), "\n") + 1; lines != n {
		t.Errorf("tshark found %d frames with good checksums of %d:\n%s", lines, n, out)
	}
}

func TestLogRing(t *testing.T) {
	r := admin.NewLogRing(3, slog.LevelInfo, nil)
	l := slog.New(r).With("svc", "echo").WithGroup("g")
	l.Debug("hidden")
	for i := range 5 {
		l.Info("line", "i", i, "s", "a b")
	}
	lines := r.Lines()
	if len(lines) != 3 || lines[0].Msg != `line svc=echo g.i=2 g.s="a b"` || lines[2].Msg != `line svc=echo g.i=4 g.s="a b"` {
		t.Fatalf("%+v", lines)
	}
	slog.New(r).Warn(strings.Repeat("x", 10000))
	if m := r.Lines()[2].Msg; len(m) > 2100 {
		t.Fatalf("line not bounded: %d", len(m))
	}
	if c := r.LevelCounts(); c["INFO"] != 5 || c["WARN"] != 1 || c["DEBUG"] != 0 {
		t.Fatalf("counts %v", c)
	}
	if !r.Enabled(context.Background(), slog.LevelInfo) || r.Enabled(context.Background(), slog.LevelDebug) {
		t.Fatal("Enabled wrong")
	}
}

func TestNoSecretsInLogsOrPages(t *testing.T) {
	e := newEnv(t)
	e.do("GET", "/", nil, func(r *http.Request) { r.SetBasicAuth(testUser, "guess-"+testPassword) })
	e.login()
	for _, p := range []string{"/api/logs", "/logs", "/", "/tuning", "/api/tuning", "/metrics"} {
		r := e.do("GET", p, nil)
		if strings.Contains(r.body, testPassword) {
			t.Errorf("%s shows the password", p)
		}
	}
	if r := e.do("GET", "/api/logs", nil); !strings.Contains(r.body, "refused login") {
		t.Error("refused login not logged")
	}
}

func TestLoadOrCreatePassword(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	pw, created, err := admin.LoadOrCreatePassword(dir)
	if err != nil || !created || len(pw) < 20 {
		t.Fatalf("%q %v %v", pw, created, err)
	}
	st, _ := os.Stat(filepath.Join(dir, admin.PasswordFile))
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", st.Mode())
	}
	pw2, created, err := admin.LoadOrCreatePassword(dir)
	if err != nil || created || pw2 != pw {
		t.Fatalf("second start: %q %v %v", pw2, created, err)
	}
	os.WriteFile(filepath.Join(dir, admin.PasswordFile), []byte("short\n"), 0o600)
	if _, _, err := admin.LoadOrCreatePassword(dir); err == nil {
		t.Fatal("short password accepted")
	}
}

func TestHashChecker(t *testing.T) {
	h, err := config.HashPassword("field-pass")
	if err != nil {
		t.Fatal(err)
	}
	check := admin.HashChecker("admin", h)
	for i := range 3 { // the second and third use the cached digest
		if !check("admin", "field-pass") {
			t.Fatalf("try %d: right password refused", i)
		}
		if check("admin", "field-pasS") || check("root", "field-pass") || check("admin", "") {
			t.Fatalf("try %d: wrong credentials accepted", i)
		}
	}
}

// overviewRate is the rate of counter name on /api/overview (nil: none).
func overviewRate(t *testing.T, e *env, name string) *float64 {
	var ov struct {
		Counters []struct {
			Name string
			Rate *float64 `json:"rate_per_s"`
		}
	}
	json.Unmarshal([]byte(e.do("GET", "/api/overview", nil).body), &ov)
	for _, c := range ov.Counters {
		if c.Name == name {
			return c.Rate
		}
	}
	t.Fatalf("%s missing", name)
	return nil
}

func TestOverviewRates(t *testing.T) {
	e := newEnv(t)
	rate := func() *float64 { return overviewRate(t, e, "rx_frames") }
	// Nobody sampled: the first view has no rate, the next a second later has.
	if r := rate(); r != nil {
		t.Fatalf("first view without samples has a rate: %v", *r)
	}
	e.clock.Advance(2 * time.Second)
	if r := rate(); r == nil || *r != 8000 {
		t.Fatalf("rate %v, want 8000/s", r)
	}
	e.clock.Advance(100 * time.Millisecond) // a quick reload compares with the reading 2.1 s old
	if r := rate(); r == nil || *r != 8000 {
		t.Fatalf("quick reload: %v", r)
	}
}

// TestOverviewRatesFirstView: with the appliance sampling every second,
// the first view already shows rates, over the newest reading a second
// old; only a reading younger than 200 ms gives none. The ring is bounded.
func TestOverviewRatesFirstView(t *testing.T) {
	e := newEnv(t)
	rate := func() *float64 { return overviewRate(t, e, "tx_frames") }
	e.h.SampleCounters()
	e.clock.Advance(100 * time.Millisecond)
	if r := rate(); r != nil {
		t.Fatalf("rate over 100 ms: %v", *r)
	}
	e.clock.Advance(400 * time.Millisecond)
	if r := rate(); r == nil || *r != 7900 {
		t.Fatalf("first view 0.5 s after a sample: rate %v, want 7900/s", r)
	}
	for range 20 {
		e.clock.Advance(time.Second)
		e.h.SampleCounters()
	}
	e.clock.Advance(300 * time.Millisecond)
	if r := rate(); r == nil || *r != 7900 {
		t.Fatalf("after 20 samples: rate %v, want 7900/s", r)
	}
}

// TestConcurrentRequests: pages, metrics and changes at once (run with
// -race); every change lands, and the file is valid at the end.
func TestConcurrentRequests(t *testing.T) {
	e := newEnv(t)
	e.login()
	cookie, token := e.cookie, e.xsrf
	var wg sync.WaitGroup
	errs := make(chan string, 100)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				path := []string{"/", "/api/connections", "/connections/1", "/metrics", "/api/tuning"}[(g+i)%5]
				r := httptest.NewRequest("GET", path, nil)
				if g%2 == 0 {
					form := url.Values{"tcp.backlog": {strconv.Itoa(100 + g*10 + i)}, "xsrf": {token}}
					r = httptest.NewRequest("POST", "/tuning", strings.NewReader(form.Encode()))
					r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				}
				r.SetBasicAuth(testUser, testPassword)
				r.AddCookie(cookie)
				w := httptest.NewRecorder()
				e.h.ServeHTTP(w, r)
				if w.Code != 200 && w.Code != 303 && w.Code != 404 {
					errs <- path + ": " + strconv.Itoa(w.Code)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for s := range errs {
		t.Error(s)
	}
	if _, warn, err := config.Open(e.dir); err != nil || warn != "" {
		t.Fatalf("file after concurrent changes: %v %q", err, warn)
	}
}

func TestGokrazyPassword(t *testing.T) {
	root := t.TempDir()
	if _, ok, err := admin.GokrazyPassword(root); ok || err != nil {
		t.Fatalf("no password file: ok %v err %v", ok, err)
	}
	os.MkdirAll(filepath.Join(root, "etc"), 0o755)
	os.MkdirAll(filepath.Join(root, "perm"), 0o755)
	os.WriteFile(filepath.Join(root, "etc", "gokr-pw.txt"), []byte("from-etc\n"), 0o400)
	if pw, ok, err := admin.GokrazyPassword(root); pw != "from-etc" || !ok || err != nil {
		t.Fatalf("etc: %q %v %v", pw, ok, err)
	}
	os.WriteFile(filepath.Join(root, "perm", "gokr-pw.txt"), []byte("from-perm"), 0o400)
	if pw, _, _ := admin.GokrazyPassword(root); pw != "from-perm" {
		t.Fatalf("perm should win: %q", pw)
	}
}

func TestLoginThrottle(t *testing.T) {
	e := newEnv(t)
	from := func(addr, pw string) func(*http.Request) {
		return func(r *http.Request) { r.RemoteAddr = addr; r.SetBasicAuth(testUser, pw) }
	}
	for i := range 10 {
		if r := e.do("GET", "/", nil, from("198.18.0.66:1000", "guess")); r.code != 401 {
			t.Fatalf("guess %d: %d", i, r.code)
		}
	}
	// Over budget: refused before the password is checked, even the right one.
	if r := e.do("GET", "/", nil, from("198.18.0.66:1001", testPassword)); r.code != 429 {
		t.Fatalf("11th try: %d", r.code)
	}
	// Another address is not affected.
	if r := e.do("GET", "/", nil, from("198.18.0.67:1000", testPassword)); r.code != 200 {
		t.Fatalf("other client: %d", r.code)
	}
	// The budget refills: one try per 6 s.
	e.clock.Advance(6 * time.Second)
	if r := e.do("GET", "/", nil, from("198.18.0.66:1002", testPassword)); r.code != 200 {
		t.Fatalf("after waiting: %d", r.code)
	}
}

// TestSampleCountersConcurrent: the appliance's sampling goroutine and
// page views at once (run with -race).
func TestSampleCountersConcurrent(t *testing.T) {
	e := newEnv(t)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 50 {
			e.h.SampleCounters()
		}
	}()
	for range 20 {
		e.clock.Advance(300 * time.Millisecond)
		overviewRate(t, e, "rx_frames")
	}
	wg.Wait()
	// The sampler may have run late, all its readings taken at the last
	// clock step, as new as the views': a second later they are old
	// enough to give a rate.
	e.clock.Advance(time.Second)
	if r := overviewRate(t, e, "rx_frames"); r == nil {
		t.Fatal("no rate after sampling")
	}
}
