package admin_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tcpbox/tcpbox/appliance/admin"
	"github.com/tcpbox/tcpbox/config"
)

// tuningFields returns the /api/tuning fields by path.
func tuningFields(e *env) map[string]map[string]any {
	e.t.Helper()
	var d struct {
		Groups []struct {
			Fields []map[string]any `json:"fields"`
		} `json:"groups"`
	}
	r := e.do("GET", "/api/tuning", nil)
	if err := json.Unmarshal([]byte(r.body), &d); err != nil || r.code != 200 {
		e.t.Fatalf("/api/tuning: %d %v", r.code, err)
	}
	out := map[string]map[string]any{}
	for _, g := range d.Groups {
		for _, f := range g.Fields {
			out[f["path"].(string)] = f
		}
	}
	return out
}

// The tuning page shows a value the command line overrides beside the
// saved one, and says which knobs are saved but change nothing yet.
func TestTuningInForceAndNoEffect(t *testing.T) {
	e := newEnv(t, func(d *admin.Deps) {
		d.Effective = func() config.Config {
			c := d.Config.Get()
			c.Link.Interface = "veth9"
			return c
		}
		d.NoEffect = []string{"pacing", "ecn=active"}
	})
	f := tuningFields(e)
	if got := f["link.interface"]["in_force"]; got != "veth9" {
		t.Errorf("link.interface in force %v, want veth9 (the command line's)", got)
	}
	if got, ok := f["link.mtu"]["in_force"]; ok {
		t.Errorf("link.mtu shows in force %v though the saved value runs", got)
	}
	if n, _ := f["tcp.pacing"]["note"].(string); !strings.Contains(n, "no effect") {
		t.Errorf("tcp.pacing note %q", n)
	}
	// A name=value entry marks the field only while it holds that value.
	if n, ok := f["tcp.ecn"]["note"]; ok {
		t.Errorf("tcp.ecn (%v) noted %q", f["tcp.ecn"]["value"], n)
	}
	if n, ok := f["link.mtu"]["note"]; ok {
		t.Errorf("link.mtu noted %q: only TCP knobs are meant", n)
	}
	e.login()
	e.post("/tuning", map[string][]string{"tcp.ecn": {"active"}, "profiles.rr.pacing": {"true"}})
	f = tuningFields(e)
	if n, _ := f["tcp.ecn"]["note"].(string); !strings.Contains(n, `"active"`) {
		t.Errorf("tcp.ecn=active note %q", n)
	}
	if n, _ := f["profiles.rr.pacing"]["note"].(string); !strings.Contains(n, "no effect") {
		t.Errorf("profiles.rr.pacing note %q", n)
	}
	// The HTML page shows both.
	page := e.do("GET", "/tuning", nil).body
	if !strings.Contains(page, "in force: veth9") || !strings.Contains(page, `class="noeffect"`) {
		t.Error("the tuning page shows neither the value in force nor the notes")
	}
}
