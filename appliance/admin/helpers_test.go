package admin_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/appliance/admin"
	"github.com/tcpbox/tcpbox/appliance/admin/admintest"
	"github.com/tcpbox/tcpbox/config"
)

const testUser, testPassword = "admin", "s3cret-test-password"

// clock is a manual clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type env struct {
	t     testing.TB
	h     *admin.Handler
	fake  *admintest.Fake
	clock *clock
	dir   string
	// session state of one "browser"
	cookie *http.Cookie
	xsrf   string
}

// newEnv serves the admin page over a fresh store and the fake stack;
// mods change the dependencies first.
func newEnv(t testing.TB, mods ...func(*admin.Deps)) *env {
	t.Helper()
	dir := t.TempDir()
	store, warn, err := config.Open(dir)
	if err != nil || warn != "" {
		t.Fatalf("config.Open: %v %q", err, warn)
	}
	clk := &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	fake := admintest.New(store, clk.Now)
	d := fake.Deps(testUser, testPassword)
	for _, m := range mods {
		m(&d)
	}
	h, err := admin.New(d)
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, h: h, fake: fake, clock: clk, dir: dir}
}

type resp struct {
	code int
	body string
	hdr  http.Header
}

// do sends one request with the env's credentials and session cookie.
func (e *env) do(method, path string, form url.Values, mod ...func(*http.Request)) resp {
	e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	r := httptest.NewRequest(method, path, body)
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	r.SetBasicAuth(testUser, testPassword)
	if e.cookie != nil {
		r.AddCookie(e.cookie)
	}
	for _, m := range mod {
		m(r)
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	res := w.Result()
	for _, c := range res.Cookies() {
		if c.Name == "tcpbox_session" {
			e.cookie = c
		}
	}
	b, _ := io.ReadAll(res.Body)
	return resp{res.StatusCode, string(b), res.Header}
}

var xsrfInput = regexp.MustCompile(`name="xsrf" value="([^"]+)"`)

// login opens the tuning page and keeps the session cookie and token.
func (e *env) login() {
	e.t.Helper()
	r := e.do("GET", "/tuning", nil)
	m := xsrfInput.FindStringSubmatch(r.body)
	if r.code != 200 || m == nil || e.cookie == nil {
		e.t.Fatalf("login: %d, token %v, cookie %v", r.code, m, e.cookie)
	}
	e.xsrf = m[1]
}

func (e *env) post(path string, form url.Values) resp {
	e.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("xsrf", e.xsrf)
	return e.do("POST", path, form)
}
