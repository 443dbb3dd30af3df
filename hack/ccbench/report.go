package main

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
	"time"
)

// result is one row of the report.
type result struct {
	Mode     string  // "memlink" or "kernel"
	Sender   string  // "tcpbox" or "linux"
	Receiver string  // "tcpbox" or "linux"
	Algo     string  // congestion control of the sender
	Loss     float64 // random loss on the data direction

	Bytes       int64
	Seconds     float64
	GoodputMbps float64
	Intact      bool
	Err         string `json:",omitempty"`

	Retrans     uint64  // sender's retransmitted segments
	Dropped     uint64  // data-direction frames the path dropped (random loss and queue)
	DropQueue   uint64  // of which the bottleneck queue (drop-tail)
	RetxPerLost float64 // Retrans / Dropped; 0 when nothing was dropped
	SRTTms      float64 // mean of the sender's SRTT sampled every 100 ms
	MinRTTms    float64
	MSS         int
	MathisMbps  float64 // MSS/SRTT * 1.22/sqrt(p) with the measured mean SRTT; 0 at p=0
	OfMathis    float64 // goodput / Mathis
	Detail      string  `json:",omitempty"`
}

func (r *result) fill(tr transferResult, st senderStats) {
	r.Bytes = tr.Bytes
	r.Seconds = tr.Elapsed.Seconds()
	r.GoodputMbps = tr.Goodput() / 1e6
	r.Intact = tr.Intact
	if tr.Err != "" {
		r.Err = tr.Err
	}
	r.Retrans = st.Retrans
	r.SRTTms = ms(st.SRTT)
	r.MinRTTms = ms(st.MinRTT)
	r.MSS = st.MSS
	r.Detail = st.Extra
	if name, _ := strings.CutSuffix(r.Algo, pacingSuffix); st.CCName != "" && st.CCName != name {
		r.Detail = strings.TrimSpace(r.Detail + " (stack reports " + st.CCName + ")")
	}
}

// finish derives the ratios once the drop counters are in.
func (r *result) finish() {
	if r.Dropped > 0 {
		r.RetxPerLost = float64(r.Retrans) / float64(r.Dropped)
	}
	if r.Loss > 0 && r.MSS > 0 && r.SRTTms > 0 {
		// Mathis, Semke, Mahdavi, Ott 1997: BW = MSS/RTT * C/sqrt(p),
		// C = sqrt(3/2) ~ 1.22 for periodic loss with delayed ACKs off.
		r.MathisMbps = float64(r.MSS) * 8 / (r.SRTTms / 1000) * 1.22 / math.Sqrt(r.Loss) / 1e6
		r.OfMathis = r.GoodputMbps / r.MathisMbps
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// printTable writes the rows for people.
func printTable(w io.Writer, title string, rows []result) {
	fmt.Fprintf(w, "\n%s\n\n", title)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "sender\talgo\tloss\tgoodput Mbit/s\tretrans\tdropped (queue)\tretx/lost\tSRTT ms\tmin RTT ms\tMathis Mbit/s\tof Mathis\tSHA-256\t")
	for _, r := range rows {
		sha := "intact"
		if !r.Intact {
			sha = "FAIL " + r.Err
		}
		mathis, of := "-", "-"
		if r.MathisMbps > 0 {
			mathis = fmt.Sprintf("%.1f", r.MathisMbps)
			of = fmt.Sprintf("%.0f%%", 100*r.OfMathis)
		}
		retx := "-"
		if r.Dropped > 0 {
			retx = fmt.Sprintf("%.2f", r.RetxPerLost)
		}
		fmt.Fprintf(tw, "%s\t%s\t%g%%\t%.1f\t%d\t%d (%d)\t%s\t%.1f\t%.1f\t%s\t%s\t%s\t\n",
			r.Sender, r.Algo, 100*r.Loss, r.GoodputMbps, r.Retrans, r.Dropped, r.DropQueue, retx,
			r.SRTTms, r.MinRTTms, mathis, of, sha)
	}
	tw.Flush()
	printSummary(w, rows)
}

// printSummary gives, per sender, the retransmissions per segment the
// path dropped (the mean of the runs' ratios and the ratio of the sums)
// and the goodput against the Mathis estimate at 1% loss.
func printSummary(w io.Writer, rows []result) {
	for _, sender := range []string{"tcpbox", "linux"} {
		var retx, drops uint64
		var sum float64
		n := 0
		for _, r := range rows {
			if r.Sender != sender || r.Dropped == 0 {
				continue
			}
			retx += r.Retrans
			drops += r.Dropped
			sum += r.RetxPerLost
			n++
		}
		if n == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s sender: %.3f retransmissions per dropped segment (mean of %d runs), %d/%d = %.3f overall\n",
			sender, sum/float64(n), n, retx, drops, float64(retx)/float64(drops))
		for _, r := range rows {
			if r.Sender == sender && r.Loss == 0.01 && r.MathisMbps > 0 {
				fmt.Fprintf(w, "  %s at 1%%: %.1f Mbit/s, Mathis %.1f Mbit/s: %.0f%% (within 25%%: %v)\n",
					r.Algo, r.GoodputMbps, r.MathisMbps, 100*r.OfMathis, math.Abs(r.OfMathis-1) <= 0.25)
			}
		}
	}
}
