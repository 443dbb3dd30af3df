package appliance

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/config"
	"github.com/tcpbox/tcpbox/hack/testbed"
)

// A corrupt config.json at start: the program runs with the last good
// copy and says so in the log and on the admin page.
func TestProgramCorruptConfig(t *testing.T) {
	testbed.Require(t, "python3")
	p := testbed.NewPair(t, testbed.PairOptions{})
	state := stateWith(t, func(c *config.Config) {
		c.Services.FramedEcho.Profile = "rr"
	})
	b := startBox(t, p, state) // loads it: it becomes the last good copy
	b.stop()

	if err := os.WriteFile(filepath.Join(state, config.FileName), []byte(`{"version": 2, "link": {`), 0o600); err != nil {
		t.Fatal(err)
	}
	b = startBox(t, p, state)
	a := b.client(t)
	var ov struct {
		Warning string `json:"config_warning"`
	}
	a.getJSON("/api/overview", &ov)
	if !strings.Contains(ov.Warning, "last good copy") {
		t.Errorf("overview warning %q, want it to name the last good copy", ov.Warning)
	}
	code, data := a.do("GET", "/api/logs", "", true, false)
	if code != 200 || !strings.Contains(string(data), "last good copy") {
		t.Errorf("logs (%d) lack the warning:\n%.2000s", code, data)
	}
	// The good copy's settings are in force: framed echo runs profile rr.
	_, port := kernelConn(t, p, 50000)
	if got := a.congestionOf(port); got != "newreno" {
		t.Errorf("framed echo uses %q, want newreno from the good copy's profile rr", got)
	}
}

// Debian's iperf3 against the program: TCP, reverse and UDP complete and
// their JSON parses, with server-side figures from tcpbox's own stack.
func TestProgramIperf3(t *testing.T) {
	testbed.Require(t, "iperf3")
	p := testbed.NewPair(t, testbed.PairOptions{})
	state := stateWith(t, nil)
	startBox(t, p, state)
	for _, args := range [][]string{
		{},
		{"-R"},
		{"-u", "-b", "10M"},
		{"-C", "cubic"}, // the profile's algorithm
	} {
		argv := append([]string{"-c", "198.18.0.2", "-t", "2", "-J", "--get-server-output"}, args...)
		out, errOut, err := p.Peer.Output(60*time.Second, "iperf3", argv...)
		if err != nil {
			t.Errorf("iperf3 %v: %v\n%.3000s\n%s", args, err, out, errOut)
			continue
		}
		var res struct {
			End struct {
				SumReceived struct {
					Bytes float64 `json:"bytes"`
				} `json:"sum_received"`
				Sum struct {
					Bytes float64 `json:"bytes"`
				} `json:"sum"`
			} `json:"end"`
			Error string `json:"error"`
		}
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Errorf("iperf3 %v: JSON: %v\n%.2000s", args, err, out)
			continue
		}
		if res.Error != "" || res.End.SumReceived.Bytes+res.End.Sum.Bytes == 0 {
			t.Errorf("iperf3 %v: error %q, %v bytes", args, res.Error, res.End.SumReceived.Bytes+res.End.Sum.Bytes)
		}
		t.Logf("iperf3 %v: %.0f bytes received", args, res.End.SumReceived.Bytes+res.End.Sum.Bytes)
	}
}

// With admin.also_on_tcpbox the admin page also answers on tcpbox's own
// address, through tcpbox's stack, with the same credentials.
func TestProgramAdminOnTCPBox(t *testing.T) {
	testbed.Require(t, "curl")
	p := testbed.NewPair(t, testbed.PairOptions{})
	state := stateWith(t, func(c *config.Config) {
		c.Admin.AlsoOnTCPBox = true
		c.Admin.Port = 8088
	})
	b := startBox(t, p, state)
	url := "http://198.18.0.2:8088/api/overview"
	if out, _, _ := p.Peer.Output(30*time.Second, "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", url); out != "401" {
		t.Errorf("without credentials on tcpbox's address: %q, want 401", out)
	}
	out, errOut, err := p.Peer.Output(30*time.Second, "curl", "-sSf", "-u", b.user+":"+b.pw, url)
	if err != nil || !strings.Contains(out, "198.18.0.2/24") {
		t.Fatalf("admin page on tcpbox's address: %v\n%.1000s\n%s", err, out, errOut)
	}
}
