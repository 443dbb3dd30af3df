package admin

import (
	"fmt"
	"html/template"
	"strings"
	"time"
)

var funcs = template.FuncMap{
	"explain": explainText,
	"bytes":   fmtBytes,
	"rate":    fmtRate,
	"dur":     fmtDur,
	"ratef": func(p *float64) string {
		if p == nil {
			return "—"
		}
		return fmt.Sprintf("%.1f/s", *p)
	},
	"since": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	},
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

func fmtDur(d time.Duration) string {
	switch {
	case d == 0:
		return "0"
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	case d < 10*time.Second:
		return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
	}
	return d.Truncate(100 * time.Millisecond).String()
}
