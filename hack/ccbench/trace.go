package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tcpbox/tcpbox/stack/tcp/cc"
)

// traceDir, if set (-trace), receives one CSV per tcpbox sender: the
// connection's per-ACK congestion trace (the last traceLen points).
var traceDir string

// pcapDir, if set (-pcap), receives a capture of each kernel-bed run
// where tcpbox sends.
var pcapDir string

const traceLen = 1 << 16

func tracePoints() int {
	if traceDir == "" {
		return 0
	}
	return traceLen
}

func writeTrace(name string, pts []cc.TracePoint) {
	if traceDir == "" || len(pts) == 0 {
		return
	}
	f, err := os.Create(filepath.Join(traceDir, name+".csv"))
	if err != nil {
		fmt.Fprintf(os.Stderr, "ccbench: trace: %v\n", err)
		return
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "t_ms,cwnd,ssthresh,inflight,srtt_ms,delivery_Bps,pacing_Bps,event,phase")
	for _, p := range pts {
		ev := ""
		if p.Event != cc.EventInvalid {
			ev = fmt.Sprint(p.Event)
		}
		fmt.Fprintf(w, "%.3f,%d,%d,%d,%.3f,%d,%d,%s,%s\n", ms(p.At), p.Cwnd, p.Ssthresh, p.InFlight, ms(p.SRTT),
			p.DeliveryRate, p.PacingRate, ev, p.Phase)
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintf(os.Stderr, "ccbench: trace: %v\n", err)
	}
}
