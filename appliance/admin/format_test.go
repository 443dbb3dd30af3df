package admin

import (
	"regexp"
	"testing"
	"time"
)

func TestFmtDur(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0"},
		{499 * time.Microsecond, "499µs"},
		{3400 * time.Microsecond, "3.4ms"},
		{200 * time.Millisecond, "200ms"},
		{4831400 * time.Microsecond, "4.83s"},
		{4500 * time.Millisecond, "4.5s"},
		{75 * time.Second, "1m15s"},
		{2 * time.Hour, "2h0m0s"},
	} {
		if got := fmtDur(c.d); got != c.want {
			t.Errorf("fmtDur(%v) = %q, want %q", c.d, got, c.want)
		}
	}
}

func TestTickLabels(t *testing.T) {
	for _, c := range []struct {
		got, want string
	}{
		{fmtTick(0.15000000000000002), "0.15"},
		{fmtTick(1250), "1250"},
		{fmtTick(7.5), "7.5"},
		{fmtMbit(3750), "3.75G"},
		{fmtMbit(500), "500M"},
		{fmtMbit(0), "0"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	// A trace of 0.2 s gets five distinct x labels, not "0.0s 0.0s 0.1s".
	tr := make([]TracePoint, 200)
	for i := range tr {
		tr[i] = TracePoint{At: time.Duration(i) * time.Millisecond, Cwnd: 10000 + i, DeliveryRate: 400e6}
	}
	// They count back from the newest sample: the trace may be the last
	// moments of a long connection.
	labels := map[string]bool{}
	var order []string
	for _, m := range regexp.MustCompile(`class="xlab"[^>]*>([^<]+)<`).FindAllStringSubmatch(string(tracePlots(tr)["window"]), -1) {
		if labels[m[1]] {
			t.Errorf("x label %q twice", m[1])
		}
		labels[m[1]] = true
		order = append(order, m[1])
	}
	if len(order) != 6 || order[0] != "-0.2s" || order[5] != "0s" {
		t.Errorf("x labels %q, want -0.2s … 0s", order)
	}
	if rate := string(tracePlots(tr)["rate"]); regexp.MustCompile(`\de[+-]\d`).MatchString(rate) {
		t.Error("rate axis labelled with exponents")
	}
}
