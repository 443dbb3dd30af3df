package admin_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/appliance/admin"
	"github.com/tcpbox/tcpbox/config"
)

var pages = []struct{ path, api, want string }{
	{"/", "/api/overview", "Drops by reason"},
	{"/connections", "/api/connections", "SND.UNA"},
	{"/connections/1", "/api/connections/1", "plot-window"},
	{"/services", "/api/services", "framed_echo"},
	{"/tuning", "/api/tuning", "mss_clamp"},
	{"/captures", "/api/captures", "Start capture"},
	{"/logs", "/api/logs", "fake tcpbox started"},
}

func TestUnauthorized(t *testing.T) {
	e := newEnv(t)
	paths := []string{"/metrics", "/static/style.css"}
	for _, p := range pages {
		paths = append(paths, p.path, p.api)
	}
	n := 0
	for _, p := range paths {
		for _, auth := range []func(*http.Request){
			func(r *http.Request) { r.Header.Del("Authorization") },
			func(r *http.Request) { r.SetBasicAuth(testUser, testPassword+"x") },
			func(r *http.Request) { r.SetBasicAuth("root", testPassword) },
			func(r *http.Request) { r.SetBasicAuth(testUser, "") },
		} {
			n++ // a fresh client address each time, below the login throttle
			addr := fmt.Sprintf("198.18.%d.%d:1234", n/250, n%250+1)
			r := e.do("GET", p, nil, auth, func(r *http.Request) { r.RemoteAddr = addr })
			if r.code != http.StatusUnauthorized || !strings.HasPrefix(r.hdr.Get("WWW-Authenticate"), "Basic ") {
				t.Errorf("%s: %d %q", p, r.code, r.hdr.Get("WWW-Authenticate"))
			}
			if strings.Contains(r.body, "framed_echo") || strings.Contains(r.body, testPassword) {
				t.Errorf("%s: 401 leaks content", p)
			}
		}
	}
	// POST without credentials is 401 too (not 403): authentication first.
	if r := e.do("POST", "/tuning", url.Values{}, func(r *http.Request) { r.Header.Del("Authorization") }); r.code != 401 {
		t.Errorf("unauthenticated POST: %d", r.code)
	}
	// No password configured: nobody gets in, not even with an empty one.
	h, err := admin.New(e.fake.Deps(testUser, ""))
	if err != nil {
		t.Fatal(err)
	}
	e.h = h
	if r := e.do("GET", "/", nil, func(r *http.Request) { r.SetBasicAuth(testUser, "") }); r.code != 401 {
		t.Errorf("empty password configured: %d", r.code)
	}
}

func TestPagesAndJSONTwins(t *testing.T) {
	e := newEnv(t)
	e.clock.Advance(5 * time.Second)
	for _, p := range pages {
		r := e.do("GET", p.path, nil)
		if r.code != 200 || !strings.Contains(r.body, p.want) || !strings.HasPrefix(r.hdr.Get("Content-Type"), "text/html") {
			t.Errorf("%s: %d, want %q in body", p.path, r.code, p.want)
		}
		if !strings.Contains(r.body, `href="`+p.api) {
			t.Errorf("%s does not link its JSON twin %s", p.path, p.api)
		}
		if strings.Contains(r.body, "http://") && !strings.Contains(r.body, `xmlns="http://www.w3.org/2000/svg"`) || strings.Contains(r.body, "https://") {
			t.Errorf("%s refers to an outside address", p.path)
		}
		j := e.do("GET", p.api, nil)
		var v map[string]any
		if j.code != 200 || j.hdr.Get("Content-Type") != "application/json" || json.Unmarshal([]byte(j.body), &v) != nil {
			t.Errorf("%s: %d %q not JSON", p.api, j.code, j.hdr.Get("Content-Type"))
		}
		if j.hdr.Get("X-XSRF-Token") == "" {
			t.Errorf("%s: no token header", p.api)
		}
	}
	// Content checks of some twins.
	var ov struct {
		Link     struct{ MAC string }
		Counters []struct {
			Layer, Name string
			Value       uint64
		}
		Drops []struct{ Name string } `json:"drops"`
		Conns map[string]int          `json:"connections_by_state"`
	}
	json.Unmarshal([]byte(e.do("GET", "/api/overview", nil).body), &ov)
	if ov.Link.MAC != "02:00:5e:10:00:02" || len(ov.Counters) == 0 || len(ov.Drops) != 3 || ov.Conns["ESTABLISHED"] != 3 {
		t.Errorf("overview twin: %+v", ov)
	}
	var tu struct {
		Groups []struct {
			Path   string
			Fields []struct{ Path, Value, Default, Linux, Applies string }
		}
	}
	json.Unmarshal([]byte(e.do("GET", "/api/tuning", nil).body), &tu)
	n := 0
	for _, g := range tu.Groups {
		for _, f := range g.Fields {
			n++
			if f.Path == "tcp.mss_clamp" && (f.Linux == "" || f.Applies == "" || f.Default != "0") {
				t.Errorf("mss_clamp: %+v", f)
			}
		}
	}
	c := e.fake.Store.Get()
	if want := len(config.Fields(&c)); n != want {
		t.Errorf("tuning twin has %d fields, config has %d", n, want)
	}
	if r := e.do("GET", "/api/", nil); r.code != 200 || !strings.Contains(r.body, "/api/tuning") {
		t.Errorf("api index: %d", r.code)
	}
	if r := e.do("GET", "/connections/999", nil); r.code != 404 {
		t.Errorf("missing connection: %d", r.code)
	}
	if r := e.do("GET", "/api/connections/x", nil); r.code != 400 {
		t.Errorf("bad id: %d", r.code)
	}
}

func TestXSRF(t *testing.T) {
	e := newEnv(t)
	e.login()
	form := url.Values{"profiles.rr.congestion": {"bbr"}}
	before, _ := os.ReadFile(filepath.Join(e.dir, config.FileName))
	cases := map[string]func() resp{
		"no token": func() resp { return e.do("POST", "/tuning", form) },
		"wrong token": func() resp {
			f := url.Values{"profiles.rr.congestion": {"bbr"}, "xsrf": {e.xsrf + "x"}}
			return e.do("POST", "/tuning", f)
		},
		"token without its session cookie": func() resp {
			saved := e.cookie
			e.cookie = nil
			defer func() { e.cookie = saved }()
			f := url.Values{"profiles.rr.congestion": {"bbr"}, "xsrf": {e.xsrf}}
			return e.do("POST", "/tuning", f)
		},
		"token of another session": func() resp {
			other := newEnv(t)
			other.h = e.h
			other.login()
			f := url.Values{"profiles.rr.congestion": {"bbr"}, "xsrf": {other.xsrf}}
			return e.do("POST", "/tuning", f)
		},
		"api without header": func() resp {
			return e.do("POST", "/api/tuning", nil, func(r *http.Request) {
				r.Body = http.NoBody
			})
		},
		"capture start": func() resp { return e.do("POST", "/captures", url.Values{"max_bytes": {"4096"}}) },
		"profile add":   func() resp { return e.do("POST", "/tuning/profiles", url.Values{"action": {"add"}, "name": {"x"}}) },
	}
	for name, f := range cases {
		if r := f(); r.code != http.StatusForbidden {
			t.Errorf("%s: %d", name, r.code)
		}
	}
	after, _ := os.ReadFile(filepath.Join(e.dir, config.FileName))
	if string(before) != string(after) || e.fake.Applied() != 0 || len(e.fake.Caps.List()) != 0 {
		t.Fatal("a refused request changed something")
	}
	// A change is only a POST.
	for _, m := range []string{"PUT", "DELETE", "PATCH"} {
		if r := e.do(m, "/tuning", nil); r.code != http.StatusMethodNotAllowed {
			t.Errorf("%s: %d", m, r.code)
		}
	}
	if r := e.do("GET", "/tuning?profiles.rr.congestion=bbr", nil); r.code != 200 || e.fake.Store.Get().Profiles["rr"].Congestion != "newreno" {
		t.Error("a GET changed something")
	}
	// With the token: accepted.
	r := e.post("/tuning", form)
	if r.code != http.StatusSeeOther || e.fake.Store.Get().Profiles["rr"].Congestion != "bbr" || e.fake.Applied() != 1 {
		t.Fatalf("valid change: %d %s", r.code, r.body)
	}
}

func TestTuningChangeAppliesAndSaves(t *testing.T) {
	e := newEnv(t)
	e.login()
	r := e.post("/tuning", url.Values{"services.framed_echo.profile": {"rr"}, "profiles.rr.congestion": {"cubic"}, "tcp.nagle": {"false"}})
	if r.code != http.StatusSeeOther || r.hdr.Get("Location") != "/tuning?saved=1" {
		t.Fatalf("%d %s", r.code, r.body)
	}
	c, _, err := config.Open(e.dir)
	if err != nil {
		t.Fatal(err)
	}
	got := c.Get()
	if got.Services.FramedEcho.Profile != "rr" || got.Profiles["rr"].Congestion != "cubic" || got.TCP.Nagle {
		t.Fatalf("file not updated: %+v", got.Services.FramedEcho)
	}
	// The services page and the next connection show it.
	if r := e.do("GET", "/api/services", nil); !strings.Contains(r.body, `"congestion": "cubic"`) {
		t.Error("services twin does not show the new algorithm")
	}
	e.clock.Advance(2 * time.Second)
	var conns struct {
		Connections []struct {
			Info struct {
				ID         uint64
				Congestion string
			}
		}
	}
	json.Unmarshal([]byte(e.do("GET", "/api/connections?sort=id&desc=1", nil).body), &conns)
	if len(conns.Connections) == 0 || conns.Connections[0].Info.Congestion != "cubic" {
		t.Errorf("newest connection: %+v", conns.Connections)
	}
	// The API twin takes JSON.
	var out struct {
		OK      bool
		Changed []string
	}
	rr := e.do("POST", "/api/tuning", nil, func(r *http.Request) {
		r.Body = ioNop(`{"set":{"tcp.backlog":"256"}}`)
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("X-XSRF-Token", e.xsrf)
	})
	json.Unmarshal([]byte(rr.body), &out)
	if rr.code != 200 || !out.OK || len(out.Changed) != 1 || out.Changed[0] != "tcp.backlog: 128 -> 256" {
		t.Fatalf("api: %d %s", rr.code, rr.body)
	}
	// The change is logged, without secrets.
	if l := e.do("GET", "/api/logs", nil); !strings.Contains(l.body, "tcp.backlog: 128 -> 256") {
		t.Error("change not logged")
	}
}

func TestTuningRefusesInvalid(t *testing.T) {
	e := newEnv(t)
	e.login()
	before, _ := os.ReadFile(filepath.Join(e.dir, config.FileName))
	cases := []struct {
		form url.Values
		want []string // field paths with an error
	}{
		{url.Values{"tcp.mss_clamp": {"20"}}, []string{"tcp.mss_clamp"}},
		{url.Values{"profiles.bulk.sndbuf": {"-1"}}, []string{"profiles.bulk.sndbuf"}},
		{url.Values{"profiles.rr.congestion": {"vegas"}}, []string{"profiles.rr.congestion"}},
		{url.Values{"tcp.rto_min": {"soon"}}, []string{"tcp.rto_min"}},
		{url.Values{"tcp.nope": {"1"}}, []string{"tcp.nope"}},
		{url.Values{"admin.password_hash": {"x"}}, []string{"admin.password_hash"}},
		// All problems at once, and a valid field beside them is not applied either.
		{url.Values{"tcp.mss_clamp": {"20"}, "profiles.rr.congestion": {"vegas"}, "tcp.backlog": {"999"}}, []string{"tcp.mss_clamp", "profiles.rr.congestion"}},
	}
	for _, tc := range cases {
		r := e.post("/tuning", tc.form)
		if r.code != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Nothing was changed") {
			t.Errorf("%v: %d", tc.form, r.code)
		}
		for _, p := range tc.want {
			if !strings.Contains(r.body, `<tr id="f-`+p+`" class="invalid">`) && !strings.Contains(r.body, `href="#f-`+p+`"`) {
				t.Errorf("%v: no inline error for %s", tc.form, p)
			}
		}
		// JSON twin: the same errors with paths.
		body := `{"set":{`
		first := true
		for k, v := range tc.form {
			if !first {
				body += ","
			}
			first = false
			body += `"` + k + `":"` + v[0] + `"`
		}
		body += "}}"
		jr := e.do("POST", "/api/tuning", nil, func(r *http.Request) {
			r.Body = ioNop(body)
			r.Header.Set("X-XSRF-Token", e.xsrf)
		})
		var out struct {
			OK     bool
			Errors []struct{ Path, Error string }
		}
		json.Unmarshal([]byte(jr.body), &out)
		if jr.code != 422 || out.OK || len(out.Errors) < len(tc.want) {
			t.Errorf("api %s: %d %s", body, jr.code, jr.body)
		}
	}
	r := e.post("/tuning", url.Values{"tcp.mss_clamp": {"20"}})
	if !strings.Contains(r.body, "20 is below the minimum 88") {
		t.Error("MSS 20 message missing")
	}
	after, _ := os.ReadFile(filepath.Join(e.dir, config.FileName))
	if string(before) != string(after) || e.fake.Applied() != 0 {
		t.Fatal("an invalid change touched the file or was applied")
	}
}

func TestPortInUseRefusedByApply(t *testing.T) {
	e := newEnv(t)
	e.login()
	e.fake.BusyPorts[2222] = true
	before, _ := os.ReadFile(filepath.Join(e.dir, config.FileName))
	r := e.post("/tuning", url.Values{"services.iperf3.port": {"2222"}})
	if r.code != 422 || !strings.Contains(r.body, "port 2222 is in use") || !strings.Contains(r.body, `<tr id="f-services.iperf3.port" class="invalid">`) {
		t.Fatalf("%d", r.code)
	}
	after, _ := os.ReadFile(filepath.Join(e.dir, config.FileName))
	if string(before) != string(after) || e.fake.Store.Get().Services.Iperf3.Port != 5201 {
		t.Fatal("refused port change left the new configuration in place")
	}
	// Two services on one port is caught by validation, before apply.
	r = e.post("/tuning", url.Values{"services.iperf3.port": {"7"}})
	if r.code != 422 || !strings.Contains(r.body, "port 7 is already used by tcp_echo") {
		t.Fatalf("clash: %d", r.code)
	}
}

func TestProfilesAddDelete(t *testing.T) {
	e := newEnv(t)
	e.login()
	if r := e.post("/tuning/profiles", url.Values{"action": {"add"}, "name": {"lab"}}); r.code != 303 {
		t.Fatalf("add: %d", r.code)
	}
	if _, ok := e.fake.Store.Get().Profiles["lab"]; !ok {
		t.Fatal("profile not added")
	}
	if r := e.post("/tuning/profiles", url.Values{"action": {"add"}, "name": {"Bad Name"}}); r.code != 422 || !strings.Contains(r.body, "profile name must be") {
		t.Fatalf("bad name: %d", r.code)
	}
	e.post("/tuning", url.Values{"services.chargen.profile": {"lab"}})
	if r := e.post("/tuning/profiles", url.Values{"action": {"delete"}, "name": {"lab"}}); r.code != 422 || !strings.Contains(r.body, `no profile named &#34;lab&#34;`) {
		t.Fatalf("delete in use: %d", r.code)
	}
}

func TestConnectionsSortAndFilter(t *testing.T) {
	e := newEnv(t)
	e.clock.Advance(11 * time.Second) // six connections, three in TIME-WAIT
	get := func(q string) []uint64 {
		var out struct {
			Connections []struct {
				ID    uint64
				State string
			}
		}
		json.Unmarshal([]byte(e.do("GET", "/api/connections"+q, nil).body), &out)
		var ids []uint64
		for _, c := range out.Connections {
			ids = append(ids, c.ID)
		}
		return ids
	}
	if ids := get(""); len(ids) != 6 || ids[0] > ids[5] {
		t.Fatalf("all: %v", ids)
	}
	if ids := get("?sort=id&desc=1"); len(ids) != 6 || ids[0] < ids[5] {
		t.Fatalf("desc: %v", ids)
	}
	if ids := get("?state=TIME-WAIT"); len(ids) != 3 {
		t.Fatalf("TIME-WAIT: %v", ids)
	}
	if ids := get("?service=nothing"); len(ids) != 0 {
		t.Fatalf("unknown service: %v", ids)
	}
	// Age sorts numerically: the oldest (lowest id) first when descending.
	if ids := get("?sort=age&desc=1"); ids[0] != 1 || ids[0] > ids[1] {
		t.Fatalf("age: %v", ids)
	}
	r := e.do("GET", "/connections?sort=cwnd", nil)
	if !strings.Contains(r.body, "cwnd ▲") || !strings.Contains(r.body, `title="Congestion window`) {
		t.Error("sorted column or explanation missing")
	}
}

func TestConnectionPlotMoves(t *testing.T) {
	e := newEnv(t)
	e.clock.Advance(500 * time.Millisecond)
	points := func() string {
		var out struct{ Plots map[string]string }
		json.Unmarshal([]byte(e.do("GET", "/api/connections/1", nil).body), &out)
		s := out.Plots["window"]
		i := strings.Index(s, `data-series="cwnd"`)
		if i < 0 {
			t.Fatalf("no cwnd series in %q", s)
		}
		return s[i:]
	}
	a := points()
	e.clock.Advance(time.Second)
	b := points()
	if a == b {
		t.Fatal("cwnd plot did not move")
	}
	page := e.do("GET", "/connections/1", nil).body
	for _, w := range []string{"SND.UNA", "RCV.WND", "Congestion window", "Slow-start threshold", "plot-rtt", "plot-rate", "plot-history-window", "plot-history-rate", `data-api="/api/connections/1"`} {
		if !strings.Contains(page, w) {
			t.Errorf("connection page lacks %q", w)
		}
	}
}

func TestConfigWarningShown(t *testing.T) {
	e := newEnv(t)
	os.WriteFile(filepath.Join(e.dir, config.FileName), []byte(`{"version":2,"tcp":{"mss_clamp":20}}`), 0o600)
	store, warn, err := config.Open(e.dir)
	if err != nil || warn == "" {
		t.Fatalf("%v %q", err, warn)
	}
	e.fake.Store = store
	h, err := admin.New(e.fake.Deps(testUser, testPassword))
	if err != nil {
		t.Fatal(err)
	}
	e.h = h
	for _, p := range []string{"/", "/tuning", "/connections"} {
		if r := e.do("GET", p, nil); !strings.Contains(r.body, `id="config-warning"`) || !strings.Contains(r.body, "last good copy") {
			t.Errorf("%s: no configuration warning", p)
		}
	}
	if r := e.do("GET", "/metrics", nil); !strings.Contains(r.body, "tcpbox_config_warning 1") {
		t.Error("metrics do not flag the warning")
	}
	// The tuning page shows the saved values next to the inputs.
	if r := e.do("GET", "/tuning", nil); !strings.Contains(r.body, `name="tcp.mss_clamp" value="0" data-saved="0"`) {
		t.Error("tuning inputs lack data-saved")
	}
}
