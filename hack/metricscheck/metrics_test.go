package metricscheck

import (
	"os"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// sample is written by appliance/admin's TestMetrics; run that first
// (it is regenerated on every run of the admin tests).
const sample = "../../appliance/admin/testdata/metrics.txt"

func TestPrometheusParsesAdminMetrics(t *testing.T) {
	f, err := os.Open(sample)
	if err != nil {
		t.Fatalf("%v (run go test ./appliance/admin -run TestMetrics in the main module first)", err)
	}
	defer f.Close()
	var p expfmt.TextParser
	fams, err := p.TextToMetricFamilies(f)
	if err != nil {
		t.Fatalf("expfmt rejects the admin page's /metrics: %v", err)
	}
	if len(fams) < 10 {
		t.Fatalf("only %d families", len(fams))
	}
	for name, mf := range fams {
		if mf.GetHelp() == "" {
			t.Errorf("%s: no HELP", name)
		}
		if mf.GetType() == dto.MetricType_COUNTER && !strings.HasSuffix(name, "_total") {
			t.Errorf("%s: counter without _total", name)
		}
	}
	// The escaped label value comes back as the original string.
	drops := fams["tcpbox_stack_drops_total"]
	if drops == nil || drops.GetType() != dto.MetricType_COUNTER {
		t.Fatal("tcpbox_stack_drops_total missing or not a counter")
	}
	found := false
	for _, m := range drops.GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "reason" && l.GetValue() == `not_for_us "quoted"\` {
				found = true
			}
		}
	}
	if !found {
		t.Error(`label value not_for_us "quoted"\ did not survive escaping`)
	}
}
