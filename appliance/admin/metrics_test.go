package admin_test

import (
	"bufio"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

var (
	metricName = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	labelPair  = regexp.MustCompile(`^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\\\|\\"|\\n)*)"(,|$)`)
	sampleLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$`)
)

// TestMetrics checks the Prometheus text format (version 0.0.4) by its
// rules, and writes the sample that hack/metricscheck parses with
// Prometheus's own parser (expfmt).
func TestMetrics(t *testing.T) {
	e := newEnv(t)
	e.login()
	e.clock.Advance(3 * time.Second)
	r := e.do("GET", "/metrics", nil)
	if r.code != 200 || r.hdr.Get("Content-Type") != "text/plain; version=0.0.4; charset=utf-8" {
		t.Fatalf("%d %q", r.code, r.hdr.Get("Content-Type"))
	}
	families := map[string]string{} // name -> type
	var cur string
	samples := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(r.body))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "# HELP "):
			f := strings.SplitN(line[7:], " ", 2)
			if len(f) != 2 || !metricName.MatchString(f[0]) || families[f[0]] != "" {
				t.Fatalf("line %d: bad or repeated HELP: %q", n, line)
			}
			cur = f[0]
		case strings.HasPrefix(line, "# TYPE "):
			f := strings.Fields(line[7:])
			if len(f) != 2 || f[0] != cur || (f[1] != "counter" && f[1] != "gauge") {
				t.Fatalf("line %d: TYPE %q does not follow its HELP", n, line)
			}
			families[cur] = f[1]
			if f[1] == "counter" && !strings.HasSuffix(cur, "_total") {
				t.Errorf("counter %s does not end in _total", cur)
			}
		default:
			m := sampleLine.FindStringSubmatch(line)
			if m == nil || m[1] != cur {
				t.Fatalf("line %d: sample %q outside its family %s", n, line, cur)
			}
			for rest := m[3]; rest != ""; {
				lm := labelPair.FindStringSubmatch(rest)
				if lm == nil {
					t.Fatalf("line %d: bad labels %q", n, rest)
				}
				rest = rest[len(lm[0]):]
			}
			if samples[m[1]+m[2]] {
				t.Errorf("line %d: repeated sample %s", n, m[1]+m[2])
			}
			samples[m[1]+m[2]] = true
		}
	}
	for _, want := range []string{
		`tcpbox_stack_drops_total{layer="link",reason="not_for_us \"quoted\"\\"} 6`,
		`tcpbox_tcp_connections{state="ESTABLISHED"} 2`,
		`tcpbox_stack_events_total{layer="link",counter="rx_frames"} 24000`,
		`tcpbox_service_listening{service="framed_echo",proto="tcp",port="50000"} 1`,
		"# HELP tcpbox_stack_drops_total Packets the stack discarded, by layer and reason.",
		`tcpbox_admin_failed_logins_total 0`,
	} {
		if !strings.Contains(r.body, want) {
			t.Errorf("missing %q", want)
		}
	}
	if err := os.WriteFile("testdata/metrics.txt", []byte(r.body), 0o644); err != nil {
		t.Fatal(err)
	}
}
