package admin

import (
	"fmt"
	"html/template"
	"math"
	"strings"
)

// Server-side SVG plots: the page needs no charting library and loads
// nothing from outside the box. The connection page's script replaces
// the plots with fresh ones from the JSON twin.

type series struct {
	Name   string
	Color  string
	X, Y   []float64 // X in seconds
	Lo, Hi []float64 // optional: a band drawn under the line (the extremes within each interval)
}

type marker struct {
	X     float64
	Event string // a cc.Event name
	Label string // the marker's tooltip
}

// chart is one plot: its series share a y axis from 0; X spans [XMin,
// XMax] when XMax > XMin (else the data's range); Shade marks a span of
// the x axis (the part the per-ACK detail covers).
type chart struct {
	ID, Title  string
	Series     []series
	Markers    []marker
	YFmt       func(float64) string
	XMin, XMax float64
	Shade      [2]float64
	ShadeTitle string
}

const (
	plotW, plotH           = 640, 210
	padL, padR, padT, padB = 58, 12, 24, 28
	maxPlotPoints          = 1200
)

// eventStyle is how an event's marker is drawn: losses and timeouts in
// red, the end of recovery in green, the rest in grey.
var eventStyle = map[string]struct{ color, dash string }{
	"fast_recovery": {"#d62728", "4,2"},
	"rto":           {"#7b0000", ""},
	"recovery_exit": {"#2ca02c", "2,3"},
	"ece":           {"#ff7f0e", "4,2"},
	"undo":          {"#7f7f7f", "2,3"},
	"idle_restart":  {"#7f7f7f", "6,3"},
}

// plot renders a chart as an SVG element.
func plot(c chart) template.HTML {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg id="%s" class="plot" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg">`,
		c.ID, plotW, plotH, plotW, plotH, template.HTMLEscapeString(c.Title))
	xmin, xmax, ymax := math.Inf(1), math.Inf(-1), 0.0
	n := 0
	for _, s := range c.Series {
		for i := range s.X {
			xmin, xmax = math.Min(xmin, s.X[i]), math.Max(xmax, s.X[i])
			ymax = math.Max(ymax, s.Y[i])
			if s.Hi != nil {
				ymax = math.Max(ymax, s.Hi[i])
			}
			n++
		}
	}
	if c.XMax > c.XMin {
		xmin, xmax = c.XMin, c.XMax
	}
	// Legend.
	lx := padL
	for _, s := range c.Series {
		fmt.Fprintf(&b, `<rect x="%d" y="6" width="12" height="4" fill="%s"/><text x="%d" y="12" class="legend">%s</text>`,
			lx, s.Color, lx+16, template.HTMLEscapeString(s.Name))
		lx += 24 + 7*len(s.Name)
	}
	x0, y0, w, h := float64(padL), float64(plotH-padB), float64(plotW-padL-padR), float64(plotH-padT-padB)
	fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.0f" height="%.0f" class="frame" fill="none" stroke="#999"/>`, padL, padT, w, h)
	if n == 0 {
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" class="empty">no samples yet</text></svg>`, x0+w/2-50, y0-h/2)
		return template.HTML(b.String())
	}
	if xmax <= xmin {
		xmax = xmin + 1
	}
	if ymax <= 0 {
		ymax = 1
	}
	ymax = niceCeil(ymax * 1.05)
	px := func(x float64) float64 { return x0 + (min(max(x, xmin), xmax)-xmin)/(xmax-xmin)*w }
	py := func(y float64) float64 { return y0 - y/ymax*h }
	if c.Shade[1] > c.Shade[0] {
		fmt.Fprintf(&b, `<rect class="shade" x="%.1f" y="%d" width="%.1f" height="%.0f" fill="#e8e8f4"><title>%s</title></rect>`,
			px(c.Shade[0]), padT, math.Max(px(c.Shade[1])-px(c.Shade[0]), 2), h, template.HTMLEscapeString(c.ShadeTitle))
	}
	// Grid and labels: 4 horizontal, 5 vertical.
	for i := 0; i <= 4; i++ {
		y := ymax * float64(i) / 4
		fmt.Fprintf(&b, `<line x1="%.0f" x2="%.0f" y1="%.1f" y2="%.1f" stroke="#ddd"/><text x="%.0f" y="%.1f" class="ylab" text-anchor="end">%s</text>`,
			x0, x0+w, py(y), py(y), x0-4, py(y)+4, template.HTMLEscapeString(c.YFmt(y)))
	}
	// The x axis is seconds since the connection opened, for the history
	// and the per-ACK detail alike, with ticks at round values.
	step := niceCeil((xmax - xmin) / 6)
	dec := tickDecimals(step)
	for k := math.Ceil(xmin/step - 1e-9); k*step <= xmax+1e-9*step; k++ {
		x := k * step
		if x == 0 {
			x = 0 // not -0: "-0s"
		}
		anchor := "middle"
		switch {
		case px(x)-x0 < 20:
			anchor = "start"
		case x0+w-px(x) < 20:
			anchor = "end" // inside the frame, not clipped at the right edge
		}
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.0f" y2="%.0f" stroke="#eee"/><text x="%.1f" y="%d" class="xlab" text-anchor="%s">%ss</text>`,
			px(x), px(x), float64(padT), y0, px(x), plotH-8, anchor, trimZero(fmt.Sprintf("%.*f", dec, x)))
	}
	for _, s := range c.Series {
		if s.Lo != nil && s.Hi != nil && len(s.X) > 0 {
			b.WriteString(`<polygon class="band" data-series="` + template.HTMLEscapeString(s.Name) + `" fill="` + s.Color + `" fill-opacity="0.2" stroke="none" points="`)
			writePoints(&b, s.X, s.Hi, px, py, false)
			b.WriteByte(' ')
			writePoints(&b, s.X, s.Lo, px, py, true)
			b.WriteString(`"/>`)
		}
	}
	// A burst of one event (an event per ACK for a while) draws one line
	// per 3 pixels, not a solid block.
	lastPx := map[string]float64{}
	for _, m := range c.Markers {
		if m.X < xmin || m.X > xmax {
			continue
		}
		if last, ok := lastPx[m.Event]; ok && math.Abs(px(m.X)-last) < 3 {
			continue
		}
		lastPx[m.Event] = px(m.X)
		st, ok := eventStyle[m.Event]
		if !ok {
			st = eventStyle["undo"]
		}
		fmt.Fprintf(&b, `<line class="event" data-event="%s" x1="%.1f" x2="%.1f" y1="%.0f" y2="%.0f" stroke="%s" stroke-width="1.2" stroke-dasharray="%s"><title>%s</title></line>`,
			template.HTMLEscapeString(m.Event), px(m.X), px(m.X), float64(padT), y0, st.color, st.dash, template.HTMLEscapeString(m.Label))
	}
	for _, s := range c.Series {
		if len(s.X) == 0 {
			continue
		}
		fmt.Fprintf(&b, `<polyline class="series" data-series="%s" data-t0="%.3f" data-t1="%.3f" fill="none" stroke="%s" stroke-width="1.5" points="`,
			template.HTMLEscapeString(s.Name), s.X[0], s.X[len(s.X)-1], s.Color)
		writePoints(&b, s.X, s.Y, px, py, false)
		b.WriteString(`"/>`)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// writePoints writes at most about maxPlotPoints of x, y as SVG points,
// always with the last, forwards or backwards.
func writePoints(b *strings.Builder, xs, ys []float64, px, py func(float64) float64, backwards bool) {
	step := (len(xs) + maxPlotPoints - 1) / maxPlotPoints
	idx := make([]int, 0, len(xs)/step+1)
	for i := 0; i < len(xs); i += step {
		idx = append(idx, i)
	}
	if last := len(xs) - 1; idx[len(idx)-1] != last {
		idx = append(idx, last)
	}
	for k := range idx {
		i := idx[k]
		if backwards {
			i = idx[len(idx)-1-k]
		}
		if k > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(b, "%.1f,%.1f", px(xs[i]), py(ys[i]))
	}
}

// niceCeil rounds up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// tickDecimals is how many decimals tell ticks step apart (a 0.2 s trace
// has ticks 0.04 s apart: two decimals, not five labels of "0.0s").
func tickDecimals(step float64) int {
	d := 0
	for d < 6 && step*math.Pow(10, float64(d)) < 1 {
		d++
	}
	return d
}

// fmtTick labels a y tick without exponent or float noise: 1250, 0.15.
func fmtTick(v float64) string { return trimZero(fmt.Sprintf("%.3f", v)) }

// fmtMbit labels a rate in Mbit/s as network people read it: 500M, 3.75G.
func fmtMbit(v float64) string {
	switch {
	case v == 0:
		return "0"
	case v >= 1000:
		return fmtTick(v/1000) + "G"
	}
	return fmtTick(v) + "M"
}

// fmtBytesTick labels a y tick in bytes with decimal prefixes, as the
// ticks fall at round decimal values: 125kB, 1.5MB.
func fmtBytesTick(v float64) string {
	switch {
	case v >= 1e6:
		return fmtTick(v/1e6) + "MB"
	case v >= 1e3:
		return fmtTick(v/1e3) + "kB"
	}
	return fmtTick(v) + "B"
}
