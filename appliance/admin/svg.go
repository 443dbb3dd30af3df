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
	Name  string
	Color string
	X, Y  []float64 // X in seconds
}

type marker struct {
	X     float64
	Label string
}

const (
	plotW, plotH           = 720, 220
	padL, padR, padT, padB = 64, 12, 24, 28
	maxPlotPoints          = 1200
)

// plot renders series (sharing one y axis starting at 0) and vertical
// event markers as an SVG element. yfmt labels the y axis.
func plot(id, title string, ss []series, ms []marker, yfmt func(float64) string) template.HTML {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg id="%s" class="plot" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg">`,
		id, plotW, plotH, plotW, plotH, template.HTMLEscapeString(title))
	xmin, xmax, ymax := math.Inf(1), math.Inf(-1), 0.0
	n := 0
	for _, s := range ss {
		for i := range s.X {
			xmin, xmax = math.Min(xmin, s.X[i]), math.Max(xmax, s.X[i])
			ymax = math.Max(ymax, s.Y[i])
			n++
		}
	}
	// Legend.
	lx := padL
	for _, s := range ss {
		fmt.Fprintf(&b, `<rect x="%d" y="6" width="12" height="4" fill="%s"/><text x="%d" y="12" class="legend">%s</text>`,
			lx, s.Color, lx+16, template.HTMLEscapeString(s.Name))
		lx += 24 + 8*len(s.Name)
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
	px := func(x float64) float64 { return x0 + (x-xmin)/(xmax-xmin)*w }
	py := func(y float64) float64 { return y0 - y/ymax*h }
	// Grid and labels: 4 horizontal, 5 vertical.
	for i := 0; i <= 4; i++ {
		y := ymax * float64(i) / 4
		fmt.Fprintf(&b, `<line x1="%.0f" x2="%.0f" y1="%.1f" y2="%.1f" stroke="#ddd"/><text x="%.0f" y="%.1f" class="ylab" text-anchor="end">%s</text>`,
			x0, x0+w, py(y), py(y), x0-4, py(y)+4, template.HTMLEscapeString(yfmt(y)))
	}
	// The x axis counts back from the newest sample ("-0.32s" … "0s"):
	// a trace may hold only the last part of a long connection, so time
	// since its first sample would read as the connection's first moments.
	dec := tickDecimals((xmax - xmin) / 5)
	for i := 0; i <= 5; i++ {
		x := xmin + (xmax-xmin)*float64(i)/5
		anchor := "middle"
		if i == 5 {
			anchor = "end" // inside the frame, not clipped at the right edge
		}
		label := trimZero(fmt.Sprintf("%.*f", dec, x-xmax))
		if label == "-0" {
			label = "0"
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" class="xlab" text-anchor="%s">%ss</text>`, px(x), plotH-8, anchor, label)
	}
	for _, m := range ms {
		if m.X < xmin || m.X > xmax {
			continue
		}
		fmt.Fprintf(&b, `<line class="event" x1="%.1f" x2="%.1f" y1="%.0f" y2="%.0f" stroke="#c00" stroke-dasharray="3,3"><title>%s %.3fs before the newest sample</title></line>`,
			px(m.X), px(m.X), float64(padT), y0, template.HTMLEscapeString(m.Label), xmax-m.X)
	}
	for _, s := range ss {
		if len(s.X) == 0 {
			continue
		}
		step := (len(s.X) + maxPlotPoints - 1) / maxPlotPoints
		var pts strings.Builder
		for i := 0; i < len(s.X); i += step {
			fmt.Fprintf(&pts, "%.1f,%.1f ", px(s.X[i]), py(s.Y[i]))
		}
		last := len(s.X) - 1
		if last%step != 0 {
			fmt.Fprintf(&pts, "%.1f,%.1f", px(s.X[last]), py(s.Y[last]))
		}
		fmt.Fprintf(&b, `<polyline class="series" data-series="%s" fill="none" stroke="%s" stroke-width="1.5" points="%s"/>`,
			template.HTMLEscapeString(s.Name), s.Color, strings.TrimSpace(pts.String()))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
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

func fmtCount(v float64) string {
	switch {
	case v >= 1<<20:
		return fmt.Sprintf("%.1fMi", v/(1<<20))
	case v >= 1<<10:
		return fmt.Sprintf("%.0fKi", v/(1<<10))
	}
	return fmt.Sprintf("%.0f", v)
}

// tracePlots renders the three plots of a connection's trace.
func tracePlots(tr []TracePoint) map[string]template.HTML {
	var cw, ss, fl, rtt, rate series
	cw = series{Name: "cwnd", Color: "#1f77b4"}
	ss = series{Name: "ssthresh", Color: "#ff7f0e"}
	fl = series{Name: "in flight", Color: "#2ca02c"}
	rtt = series{Name: "SRTT (ms)", Color: "#9467bd"}
	rate = series{Name: "delivery rate (bit/s)", Color: "#17becf"}
	var ms []marker
	for _, p := range tr {
		t := p.At.Seconds()
		cw.X, cw.Y = append(cw.X, t), append(cw.Y, float64(p.Cwnd))
		if p.Ssthresh > 0 && p.Ssthresh < ssthreshInfinite {
			ss.X, ss.Y = append(ss.X, t), append(ss.Y, float64(p.Ssthresh))
		}
		fl.X, fl.Y = append(fl.X, t), append(fl.Y, float64(p.InFlight))
		rtt.X, rtt.Y = append(rtt.X, t), append(rtt.Y, float64(p.SRTT.Microseconds())/1000)
		rate.X, rate.Y = append(rate.X, t), append(rate.Y, float64(p.DeliveryRate)*8/1e6)
		if p.Event != "" {
			ms = append(ms, marker{X: t, Label: p.Event})
		}
	}
	return map[string]template.HTML{
		"window": plot("plot-window", "cwnd, ssthresh and bytes in flight", []series{cw, ss, fl}, ms, fmtCount),
		"rtt":    plot("plot-rtt", "smoothed RTT", []series{rtt}, ms, func(v float64) string { return fmtTick(v) + "ms" }),
		"rate":   plot("plot-rate", "delivery rate", []series{rate}, ms, fmtMbit),
	}
}
