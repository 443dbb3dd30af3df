package admin

import (
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"time"
)

var funcs = template.FuncMap{
	"explain": explainText,
	"bytes":   fmtBytes,
	"size":    func(n int) string { return fmtBytes(uint64(max(n, 0))) },
	"rate":    fmtRate,
	"dur":     fmtDur,
	"ratef":   fmtPerSecond,
	"since": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	},
	// stamp is a log line's time to the millisecond, for lining events
	// up with a capture.
	"stamp":  func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.000") },
	"join":   strings.Join,
	"states": func() []string { return stateOrder },
}

func fmtBytes(n uint64) string {
	const u = 1024
	switch {
	case n < u:
		return fmt.Sprintf("%d B", n)
	case n < u*u:
		return fmt.Sprintf("%.1f KiB", float64(n)/u)
	case n < u*u*u:
		return fmt.Sprintf("%.1f MiB", float64(n)/(u*u))
	}
	return fmt.Sprintf("%.2f GiB", float64(n)/(u*u*u))
}

// fmtRate formats bytes per second as bits per second, as network people
// read rates.
func fmtRate(bps uint64) string {
	b := float64(bps) * 8
	switch {
	case b < 1e3:
		return fmt.Sprintf("%.0f bit/s", b)
	case b < 1e6:
		return fmt.Sprintf("%.1f kbit/s", b/1e3)
	case b < 1e9:
		return fmt.Sprintf("%.1f Mbit/s", b/1e6)
	}
	return fmt.Sprintf("%.2f Gbit/s", b/1e9)
}

// fmtDur formats a duration with the unit a person reads it in: RTTs in
// µs or ms with a tenth, ages in seconds with hundredths, longer times as
// 1m15s.
func fmtDur(d time.Duration) string {
	switch {
	case d == 0:
		return "0"
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	case d < time.Second:
		return trimZero(fmt.Sprintf("%.1f", float64(d)/float64(time.Millisecond))) + "ms"
	case d < time.Minute:
		return trimZero(fmt.Sprintf("%.2f", d.Seconds())) + "s"
	}
	return d.Truncate(time.Second).String()
}

// trimZero drops the trailing zeros of a decimal and a point left bare:
// "200.0" is "200", "4.50" is "4.5".
func trimZero(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	return strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
}

// fmtPerSecond is a counter's rate with a decimal prefix and three
// significant digits, as a person reads it: 53.7k/s, 76.1M/s, 0.7/s; "—"
// when there is none yet.
func fmtPerSecond(p *float64) string {
	if p == nil {
		return "—"
	}
	v := *p
	for _, u := range []struct {
		div    float64
		prefix string
	}{{1e9, "G"}, {1e6, "M"}, {1e3, "k"}} {
		if v >= u.div {
			return strconv.FormatFloat(v/u.div, 'g', 3, 64) + u.prefix + "/s"
		}
	}
	if v == 0 {
		return "0/s"
	}
	return trimZero(fmt.Sprintf("%.1f", v)) + "/s"
}
