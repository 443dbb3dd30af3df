package main

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// results: Figures[mode+"/"+figure][server] = value.
type results struct {
	Started  string                        `json:"started"`
	Reps     int                           `json:"reps"`
	Duration string                        `json:"duration"`
	Figures  map[string]map[string]float64 `json:"figures"`
}

func (r *results) set(mode, fig, kind string, v float64) {
	k := "offloads_" + mode + "/" + fig
	if r.Figures[k] == nil {
		r.Figures[k] = map[string]float64{}
	}
	r.Figures[k][kind] = v
}

var figureOrder = []string{
	"upload_p1_gbps", "download_p1_gbps", "upload_p4_gbps", "download_p4_gbps",
	"rr64_p50_us", "rr64_p99_us", "rr1400_p50_us", "rr1400_p99_us",
	"conn_per_sec", "cpu_s_per_gb", "idle_bytes_per_conn", "afpacket_rx_drops",
}

func (r *results) print(w io.Writer, modes []string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "figure\tkernel\tgvisor\ttcpbox\ttcpbox/kernel\ttcpbox/gvisor\t")
	cell := func(m map[string]float64, k string) (float64, string) {
		v, ok := m[k]
		if !ok || v < 0 {
			return 0, "n/a"
		}
		return v, fmt.Sprintf("%.3g", v)
	}
	ratio := func(a, b float64, sa, sb string) string {
		if sa == "n/a" || sb == "n/a" || b == 0 {
			return "n/a"
		}
		return fmt.Sprintf("%.2f", a/b)
	}
	for _, mode := range modes {
		for _, fig := range figureOrder {
			m := r.Figures["offloads_"+mode+"/"+fig]
			if m == nil {
				continue
			}
			k, sk := cell(m, "kernel")
			g, sg := cell(m, "gvisor")
			t, st := cell(m, "tcpbox")
			fmt.Fprintf(tw, "%s (offloads %s)\t%s\t%s\t%s\t%s\t%s\t\n", fig, mode, sk, sg, st, ratio(t, k, st, sk), ratio(t, g, st, sg))
		}
	}
	tw.Flush()
}
