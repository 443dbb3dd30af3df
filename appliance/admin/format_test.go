package admin

import (
	"regexp"
	"slices"
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
		{fmtBytesTick(125000), "125kB"},
		{fmtBytesTick(1.5e6), "1.5MB"},
		{fmtBytesTick(0), "0B"},
		{fmtPerSecond(ptr(53695.7)), "53.7k/s"},
		{fmtPerSecond(ptr(76117557.6)), "76.1M/s"},
		{fmtPerSecond(ptr(1000)), "1k/s"},
		{fmtPerSecond(ptr(0.7)), "0.7/s"},
		{fmtPerSecond(ptr(0)), "0/s"},
		{fmtPerSecond(nil), "—"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	// A trace of 0.2 s gets distinct x labels at round values, not
	// "41.0s 41.0s 41.1s", in seconds since the connection opened (the
	// per-ACK detail holds the last moments of a long connection).
	tr := make([]TracePoint, 200)
	for i := range tr {
		tr[i] = TracePoint{At: 41*time.Second + time.Duration(i)*time.Millisecond, Cwnd: 10000 + i, DeliveryRate: 400e6}
	}
	ct := &ConnTrace{Detail: tr}
	var order []string
	for _, m := range regexp.MustCompile(`class="xlab"[^>]*>([^<]+)<`).FindAllStringSubmatch(string(tracePlots(ct)["window"]), -1) {
		order = append(order, m[1])
	}
	if want := []string{"41s", "41.05s", "41.1s", "41.15s"}; !slices.Equal(order, want) {
		t.Errorf("x labels %q, want %q", order, want)
	}
	if rate := string(tracePlots(ct)["rate"]); regexp.MustCompile(`\de[+-]\d`).MatchString(rate) {
		t.Error("rate axis labelled with exponents")
	}
}

func ptr(v float64) *float64 { return &v }
