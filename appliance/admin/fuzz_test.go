package admin_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/tcpbox/tcpbox/config"
)

// FuzzTuningAPI: any body to POST /api/tuning gets 200, 400 or 422, never
// a panic, and the configuration after it is always valid.
func FuzzTuningAPI(f *testing.F) {
	f.Add(`{"set":{"tcp.mss_clamp":"20"}}`)
	f.Add(`{"set":{"tcp.backlog":"256","profiles.rr.congestion":"bbr"}}`)
	f.Add(`{"set":{"admin.password_hash":"x"}}`)
	f.Add(`{"set":null}`)
	f.Add(`{"other":1}`)
	f.Add(`[`)
	e := newEnv(f)
	f.Fuzz(func(t *testing.T, body string) {
		e.t = t
		if e.xsrf == "" {
			e.login()
		}
		r := e.do("POST", "/api/tuning", nil, func(r *http.Request) {
			r.Body = ioNop(body)
			r.Header.Set("X-XSRF-Token", e.xsrf)
		})
		switch r.code {
		case 200, 400, 422:
		default:
			t.Fatalf("status %d for %q", r.code, body)
		}
		if !json.Valid([]byte(r.body)) {
			t.Fatalf("reply is not JSON: %q", r.body)
		}
		c := e.fake.Store.Get()
		if err := config.Validate(&c); err != nil {
			t.Fatalf("configuration invalid after %q: %v", body, err)
		}
	})
}

// FuzzCaptureForm: any form to POST /api/captures gets 200, 422, or 400,
// never a panic.
func FuzzCaptureForm(f *testing.F) {
	f.Add("tcp port 80", "4096", "30s")
	f.Add("", "1e9", "-1s")
	f.Add("x", "", "")
	e := newEnv(f)
	f.Fuzz(func(t *testing.T, filter, maxBytes, maxDur string) {
		e.t = t
		if e.xsrf == "" {
			e.login()
		}
		r := e.post("/api/captures", url.Values{"filter": {filter}, "max_bytes": {maxBytes}, "max_duration": {maxDur}})
		if r.code != 200 && r.code != 422 && r.code != 400 {
			t.Fatalf("status %d", r.code)
		}
	})
}
