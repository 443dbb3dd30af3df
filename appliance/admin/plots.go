package admin

import (
	"fmt"
	"html/template"
	"strings"
)

// The connection page's plots: the history of the whole connection
// (issue 6) on the left, the per-ACK detail of its last moments on the
// right, each as window, RTT and throughput.

var (
	colCwnd     = "#1f77b4"
	colSsthresh = "#ff7f0e"
	colFlight   = "#2ca02c"
	colRTT      = "#9467bd"
	colRate     = "#17becf"
)

func fmtMs(v float64) string { return fmtTick(v) + "ms" }

// tracePlots renders the six plots of a connection's trace, keyed as the
// page and its script name them.
func tracePlots(ct *ConnTrace) map[string]template.HTML {
	out := map[string]template.HTML{}
	detailPlots(ct.Detail, out)
	historyPlots(ct, out)
	return out
}

// detailPlots: one point per ACK and per event.
func detailPlots(tr []TracePoint, out map[string]template.HTML) {
	cw := series{Name: "cwnd", Color: colCwnd}
	ss := series{Name: "ssthresh", Color: colSsthresh}
	fl := series{Name: "in flight", Color: colFlight}
	rtt := series{Name: "SRTT", Color: colRTT}
	rate := series{Name: "delivery rate (bit/s)", Color: colRate}
	var ms []marker
	for _, p := range tr {
		t := p.At.Seconds()
		cw.X, cw.Y = append(cw.X, t), append(cw.Y, float64(p.Cwnd))
		if p.Ssthresh > 0 && p.Ssthresh < ssthreshInfinite {
			ss.X, ss.Y = append(ss.X, t), append(ss.Y, float64(p.Ssthresh))
		}
		fl.X, fl.Y = append(fl.X, t), append(fl.Y, float64(p.InFlight))
		rtt.X, rtt.Y = append(rtt.X, t), append(rtt.Y, float64(p.SRTT.Microseconds())/1000)
		if p.DeliveryRate > 0 { // 0: this ACK gave no rate sample
			rate.X, rate.Y = append(rate.X, t), append(rate.Y, float64(p.DeliveryRate)*8/1e6)
		}
		if p.Event != "" {
			ms = append(ms, marker{X: t, Event: p.Event, Label: fmt.Sprintf("%s at %.3fs", eventLabel(p.Event), t)})
		}
	}
	out["window"] = plot(chart{ID: "plot-window", Title: "per ACK: cwnd, ssthresh and bytes in flight", Series: []series{cw, ss, fl}, Markers: ms, YFmt: fmtBytesTick})
	out["rtt"] = plot(chart{ID: "plot-rtt", Title: "per ACK: smoothed RTT", Series: []series{rtt}, Markers: ms, YFmt: fmtMs})
	out["rate"] = plot(chart{ID: "plot-rate", Title: "per ACK: delivery rate", Series: []series{rate}, Markers: ms, YFmt: fmtMbit})
}

// historyPlots: one point per interval from the connection's start to
// now; cwnd with the band of its extremes in each interval.
func historyPlots(ct *ConnTrace, out map[string]template.HTML) {
	cw := series{Name: "cwnd (band: min–max)", Color: colCwnd}
	ss := series{Name: "ssthresh", Color: colSsthresh}
	fl := series{Name: "in flight", Color: colFlight}
	rtt := series{Name: "SRTT", Color: colRTT}
	rate := series{Name: "throughput (bit/s)", Color: colRate}
	iv := ct.Interval.Seconds()
	age := ct.Age.Seconds()
	var ms []marker
	for _, p := range ct.History {
		start := p.At.Seconds()
		t := start + iv // the values are the interval's last
		if age > start {
			t = min(t, age)
		}
		cw.X, cw.Y = append(cw.X, t), append(cw.Y, float64(p.Cwnd))
		cw.Lo, cw.Hi = append(cw.Lo, float64(p.CwndMin)), append(cw.Hi, float64(p.CwndMax))
		if p.Ssthresh > 0 && p.Ssthresh < ssthreshInfinite {
			ss.X, ss.Y = append(ss.X, t), append(ss.Y, float64(p.Ssthresh))
		}
		fl.X, fl.Y = append(fl.X, t), append(fl.Y, float64(p.InFlight))
		rtt.X, rtt.Y = append(rtt.X, t), append(rtt.Y, float64(p.SRTT.Microseconds())/1000)
		rate.X, rate.Y = append(rate.X, t), append(rate.Y, float64(p.Throughput)*8/1e6)
		for _, ev := range p.Events {
			ms = append(ms, marker{X: start + iv/2, Event: ev,
				Label: fmt.Sprintf("%s between %.1fs and %.1fs", eventLabel(ev), start, start+iv)})
		}
	}
	c := chart{Markers: ms, XMin: 0, XMax: age}
	if n := len(ct.Detail); n > 0 {
		c.Shade = [2]float64{ct.Detail[0].At.Seconds(), ct.Detail[n-1].At.Seconds()}
		c.ShadeTitle = "the span of the per-ACK detail"
	}
	c.ID, c.Title, c.Series, c.YFmt = "plot-history-window", "whole connection: cwnd, ssthresh and bytes in flight", []series{cw, ss, fl}, fmtBytesTick
	out["history_window"] = plot(c)
	c.ID, c.Title, c.Series, c.YFmt = "plot-history-rtt", "whole connection: smoothed RTT", []series{rtt}, fmtMs
	out["history_rtt"] = plot(c)
	c.ID, c.Title, c.Series, c.YFmt = "plot-history-rate", "whole connection: throughput", []series{rate}, fmtMbit
	out["history_rate"] = plot(c)
}

// eventLabel says what an event (a cc.Event name) means.
func eventLabel(ev string) string {
	switch ev {
	case "fast_recovery":
		return "loss detected: recovery entered"
	case "recovery_exit":
		return "recovery left"
	case "rto":
		return "retransmission timeout"
	case "ece":
		return "ECN congestion echoed"
	case "undo":
		return "spurious reduction undone"
	case "idle_restart":
		return "restart after idle"
	}
	return strings.ReplaceAll(ev, "_", " ")
}
