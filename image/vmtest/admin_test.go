package vmtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"time"
)

// adminClient speaks to tcpbox's admin API as a browser does: basic auth
// on every request, the session cookie it is given, and the XSRF token the
// API returns in X-XSRF-Token on every JSON answer (appliance/admin's
// auth.go). Tokens are bound to the program's run: after a reboot a new
// client starts a new session.
type adminClient struct {
	base, user, pass string
	c                *http.Client
	xsrf             string
}

func newAdminClient(base, user, pass string) *adminClient {
	jar, _ := cookiejar.New(nil)
	return &adminClient{base: base, user: user, pass: pass, c: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

func (a *adminClient) do(method, path, body string, xsrf bool) (int, []byte, error) {
	req, err := http.NewRequest(method, a.base+path, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.SetBasicAuth(a.user, a.pass)
	if xsrf {
		req.Header.Set("X-XSRF-Token", a.xsrf)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := a.c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if tok := resp.Header.Get("X-XSRF-Token"); tok != "" {
		a.xsrf = tok
	}
	return resp.StatusCode, b, err
}

// tuning returns the saved value of every configuration field, from
// GET /api/tuning.
func (a *adminClient) tuning() (map[string]string, error) {
	code, b, err := a.do(http.MethodGet, "/api/tuning", "", false)
	if err != nil {
		return nil, err
	}
	if code != http.StatusOK {
		return nil, fmt.Errorf("GET /api/tuning: HTTP %d: %.200s", code, b)
	}
	var d struct {
		Groups []struct {
			Fields []struct {
				Path  string `json:"path"`
				Value string `json:"value"`
			} `json:"fields"`
		} `json:"groups"`
	}
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("GET /api/tuning: %w", err)
	}
	out := map[string]string{}
	for _, g := range d.Groups {
		for _, f := range g.Fields {
			out[f.Path] = f.Value
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("GET /api/tuning: no fields in %.200s", b)
	}
	return out, nil
}

// set posts {"set": values} to /api/tuning; xsrf says whether to send the
// session's token.
func (a *adminClient) set(values map[string]string, xsrf bool) (int, string, error) {
	body, _ := json.Marshal(map[string]any{"set": values})
	code, b, err := a.do(http.MethodPost, "/api/tuning", string(body), xsrf)
	return code, string(b), err
}

// gokrazyReboot asks gokrazy to reboot through its web interface (POST
// /reboot, what its page's reboot button and update tool use): services
// get SIGTERM, /perm is unmounted, and on amd64 the kernel kexecs the
// boot partition's kernel and cmdline.txt.
func gokrazyReboot(base, pass string) error {
	req, _ := http.NewRequest(http.MethodPost, base+"/reboot", strings.NewReader(""))
	req.SetBasicAuth("gokrazy", pass)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return fmt.Errorf("POST /reboot: %w", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST /reboot: %s: %s", resp.Status, b)
	}
	return nil
}
