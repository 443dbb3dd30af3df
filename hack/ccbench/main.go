// Command ccbench measures tcpbox's congestion control and loss recovery
// on an emulated path: a bottleneck of 50 Mbit/s with a one-BDP drop-tail
// queue, 20 ms of round trip and random loss of 0, 0.1%, 1% and 5% on
// the data direction. For each congestion-control algorithm (the
// window-based ones also with pacing on, "cubic+pacing") and each loss
// rate it runs one bulk transfer of fixed duration and reports goodput,
// the sender's retransmissions beside the segments the path dropped, the
// sender's RTT, the Mathis estimate and whether the bytes arrived intact
// (SHA-256 of both ends).
//
// By default two tcpbox stacks talk over nic/memlink through nic/impair,
// all in this process. With -kernel it also builds network namespaces
// (root needed) and runs the same impairments through nic/bridge between
// the Linux kernel's TCP and tcpbox on AF_PACKET, in both directions:
// tcpbox sending with each of its algorithms, and the kernel sending with
// each of its own (reno, cubic, bbr: those the kernel offers).
//
// It is a benchmark for people, not a test: it asserts nothing and exits
// non-zero only when a transfer fails or arrives corrupted. Figures on a
// loaded machine vary from run to run; rerun before drawing conclusions.
//
// Usage:
//
//	go run ./hack/ccbench [-duration 10s] [-algos reno,newreno,cubic,bbr,newreno+pacing,cubic+pacing]
//	    [-loss 0,0.001,0.01,0.05] [-kernel] [-memlink=false] [-json file] [-trace dir] [-pcap dir]
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

type report struct {
	Command  string
	Started  time.Time
	Duration string
	Path     path
	Memlink  []result `json:",omitempty"`
	Kernel   []result `json:",omitempty"`
	// KernelAlgos is what /proc/sys/net/ipv4/tcp_available_congestion_control offered.
	KernelAlgos []string `json:",omitempty"`
}

func main() {
	dur := flag.Duration("duration", 10*time.Second, "length of each bulk transfer")
	algos := flag.String("algos", "reno,newreno,cubic,bbr,newreno+pacing,cubic+pacing", "tcpbox algorithms to run; NAME"+pacingSuffix+" runs NAME with pacing on")
	kalgos := flag.String("kernel-algos", "reno,cubic,bbr", "Linux algorithms to run with -kernel (those not available are reported and skipped)")
	losses := flag.String("loss", "0,0.001,0.01,0.05", "random loss rates of the data direction")
	rate := flag.Int64("rate", 50_000_000, "bottleneck in bits per second")
	rtt := flag.Duration("rtt", 20*time.Millisecond, "base round-trip time (half each way)")
	kernel := flag.Bool("kernel", false, "also run Linux <-> tcpbox through the userspace bridge (root)")
	mem := flag.Bool("memlink", true, "run tcpbox <-> tcpbox over memlink")
	jsonOut := flag.String("json", "", "write the JSON report to this file ('-': stdout after the tables)")
	seed := flag.Int64("seed", 1, "seed of the impairments and the payload")
	flag.StringVar(&pcapDir, "pcap", "", "with -kernel, record each tcpbox-sender run at the kernel's side of the bridge as pcap (headers) into this directory")
	flag.StringVar(&traceDir, "trace", "", "write each tcpbox sender's per-ACK congestion trace as CSV into this directory")
	flag.Parse()
	handleSignals()

	lossRates, err := parseLosses(*losses)
	if err != nil {
		fatalf("%v", err)
	}
	rep := report{Command: strings.Join(os.Args, " "), Started: time.Now().UTC(), Duration: dur.String(),
		Path: path{Rate: *rate, RTT: *rtt}}
	rep.Path.Queue = rep.Path.bdp()
	failed := false
	if *mem {
		for _, a := range split(*algos) {
			for i, p := range lossRates {
				pp := rep.Path
				pp.Loss = p
				r := runMemlink(a, pp, *dur, *seed+int64(i))
				r.finish()
				rep.Memlink = append(rep.Memlink, r)
				failed = failed || !r.Intact
				fmt.Fprintf(os.Stderr, "memlink %s loss %g%%: %.1f Mbit/s retrans %d dropped %d %s\n",
					a, 100*p, r.GoodputMbps, r.Retrans, r.Dropped, r.Err)
			}
		}
		printTable(os.Stdout, fmt.Sprintf("tcpbox -> tcpbox over memlink: %d Mbit/s bottleneck, %d-byte queue (1 BDP), RTT %v, %v per transfer",
			*rate/1e6, rep.Path.Queue, *rtt, *dur), rep.Memlink)
	}
	if *kernel {
		rows, avail, err := runKernel(split(*algos), split(*kalgos), lossRates, rep.Path, *dur, *seed)
		rep.KernelAlgos = avail
		if err != nil {
			fatalf("kernel runs: %v", err)
		}
		for i := range rows {
			rows[i].finish()
			failed = failed || !rows[i].Intact
		}
		rep.Kernel = rows
		printTable(os.Stdout, fmt.Sprintf("Linux <-> tcpbox through nic/bridge on veths (AF_PACKET): same path; Linux offers: %s",
			strings.Join(avail, " ")), rows)
	}
	if *jsonOut != "" {
		b, _ := json.MarshalIndent(rep, "", "  ")
		b = append(b, '\n')
		if *jsonOut == "-" {
			os.Stdout.Write(b)
		} else if err := os.WriteFile(*jsonOut, b, 0o644); err != nil {
			fatalf("%v", err)
		}
	}
	if failed {
		fmt.Fprintln(os.Stderr, "ccbench: some transfers failed or arrived corrupted")
		os.Exit(1)
	}
}

func parseLosses(s string) ([]float64, error) {
	var out []float64
	for _, f := range split(s) {
		p, err := strconv.ParseFloat(f, 64)
		if err != nil || p < 0 || p >= 1 {
			return nil, fmt.Errorf("loss rate %q not in [0, 1)", f)
		}
		out = append(out, p)
	}
	return out, nil
}

func split(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func fatalf(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "ccbench: "+format+"\n", a...)
	os.Exit(2)
}
