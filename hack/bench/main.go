// Command bench measures tcpbox against the Linux kernel's TCP and gVisor's
// netstack in one run, on one veth testbed between two network namespaces
// (MTU 1500), with the same kernel client for all three servers:
//
//	go run . [-reps 3] [-d 3s] [-json results.json] [-servers kernel,gvisor,tcpbox]
//
// It must run as root. Figures: bulk throughput each way with one and four
// connections, framed-echo round trip p50/p99 at 64 and 1400 bytes,
// connections per second (connect, one framed echo, close), server CPU
// seconds per GB moved, resident memory per idle connection with 10,000 of
// them, and the kernel's drops on the AF_PACKET socket; each with offloads
// off and on, medians of the repetitions, printed as a table with the
// ratios tcpbox/kernel and tcpbox/gVisor, and as JSON. The repetitions take
// turns: each starts every server fresh, one after the other, so a drift of
// the machine reaches the three servers alike.
//
// This is its own Go module so that gVisor never enters tcpbox's go.mod.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "serve":
			serveMain(os.Args[2:])
			return
		case "client":
			clientMain(os.Args[2:])
			return
		case "wakes":
			wakesMain(os.Args[2:])
			return
		}
	}
	reps := flag.Int("reps", 3, "repetitions of each figure (the median is reported)")
	dur := flag.Duration("d", 3*time.Second, "duration of each throughput, latency and rate run")
	jsonOut := flag.String("json", "bench-results.json", "write the results as JSON here")
	servers := flag.String("servers", "kernel,gvisor,tcpbox", "servers to measure")
	modes := flag.String("offloads", "off,on", "offload settings to measure")
	idle := flag.Int("idle", 10000, "idle connections for the memory figure")
	flag.StringVar(&profileDir, "cpuprofile", "", "write each server's CPU profile to this directory as <server>-offloads-<mode>.pprof")
	flag.Func("ops", "measure only these operations, comma-separated: upload_p1, upload_p4, download_p1, download_p4, rr64, rr1400, crr (default all)", func(v string) error {
		onlyOps = map[string]bool{}
		for _, op := range strings.Split(v, ",") {
			onlyOps[op] = true
		}
		return nil
	})
	flag.BoolVar(&tcpboxRing, "tcpbox-ring", false, "tcpbox receives through afpacket's TPACKET_V3 block ring (as -tcpbox-rx v3; the product default is the TPACKET_V2 frame ring)")
	flag.BoolVar(&tcpboxCopyRx, "tcpbox-copyrx", false, "tcpbox copies every received payload into the receive buffer (stack.Options.CopyReceive), as before frames were lent")
	flag.BoolVar(&tcpboxCopySend, "tcpbox-copysend", false, "tcpbox copies super-segments' payloads behind their headers instead of sending them from the send buffer (stack.Options.CopySend)")
	flag.BoolVar(&tcpboxNoSendRun, "tcpbox-nosendrun", false, "tcpbox's TCP emits data one segment at a time instead of in runs (stack.Options.NoSendRun)")
	flag.BoolVar(&tcpboxNoGRO, "tcpbox-nogro", false, "tcpbox hands every received segment to TCP on its own (stack.Options.NoGRO)")
	flag.BoolVar(&kernelIngress, "kernel-ingress", false, "leave the kernel routing the AF_PACKET servers' frames (no ingress drop, as before appliance/nicsetup.DropIngress; gVisor and tcpbox alike)")
	flag.StringVar(&tcpboxBusy, "tcpbox-busypoll", "", "tcpbox's link busy-poll time (a Go duration, 0 for off); empty for the appliance's default (config link.busy_poll)")
	flag.StringVar(&tcpboxRx, "tcpbox-rx", "", "tcpbox's receive path: recvmmsg, v2 or v2:SLOTS (TPACKET_V2 frame ring) or v3 (TPACKET_V3 block ring, as -tcpbox-ring); empty for afpacket's default")
	flag.Parse()
	if os.Geteuid() != 0 {
		fatalf("needs root (network namespaces)")
	}
	self, err := os.Executable()
	if err != nil {
		fatalf("%v", err)
	}
	tb := newTestbed()
	defer tb.close()
	res := &results{Started: time.Now().UTC().Format(time.RFC3339), Reps: *reps, Duration: dur.String(), Figures: map[string]map[string]float64{}}
	for _, mode := range strings.Split(*modes, ",") {
		tb.offloads(mode == "on")
		// The repetitions take turns: each runs every server once, so a
		// slow drift of this shared machine reaches all of them alike
		// and the ratios compare measurements minutes, not a quarter of
		// an hour, apart.
		kinds := strings.Split(*servers, ",")
		samples := make([]*serverSamples, len(kinds))
		for i := range samples {
			samples[i] = newServerSamples()
		}
		for rep := 0; rep < *reps; rep++ {
			for i, kind := range kinds {
				fmt.Fprintf(os.Stderr, "bench: offloads %s, server %s, repetition %d of %d\n", mode, kind, rep+1, *reps)
				idleConns := 0
				if rep == 0 {
					idleConns = *idle
				}
				measureServer(tb, self, kind, mode, *dur, idleConns, samples[i])
			}
		}
		for i, kind := range kinds {
			samples[i].report(res, mode, kind)
		}
	}
	res.print(os.Stdout, strings.Split(*modes, ","))
	if *jsonOut != "" {
		b, _ := json.MarshalIndent(res, "", "  ")
		if err := os.WriteFile(*jsonOut, b, 0o644); err != nil {
			fatalf("%v", err)
		}
		fmt.Printf("\nJSON: %s\n", *jsonOut)
	}
}

// server is one running server under test.
type server struct {
	cmd    *exec.Cmd
	stdout *bufio.Reader
	pid    int
}

// profileDir is -cpuprofile: where servers write their CPU profiles.
var profileDir string

// onlyOps is -ops: the operations to measure; nil measures all.
var onlyOps map[string]bool

// wantOp reports whether -ops selects op.
func wantOp(op string) bool { return onlyOps == nil || onlyOps[op] }

// tcpboxRing is -tcpbox-ring: passed to the tcpbox server as -ring.
var tcpboxRing bool

// tcpboxRx is -tcpbox-rx: passed to the tcpbox server as -rx.
var tcpboxRx string

// tcpboxBusy is -tcpbox-busypoll: passed to the tcpbox server as -busypoll.
var tcpboxBusy string

// tcpboxCopyRx is -tcpbox-copyrx: passed to the tcpbox server as -copyrx.
var tcpboxCopyRx bool

// tcpboxCopySend is -tcpbox-copysend: passed to the tcpbox server as -copysend.
var tcpboxCopySend bool

// tcpboxNoGRO is -tcpbox-nogro: passed to the tcpbox server as -nogro.
var tcpboxNoGRO bool

// tcpboxNoSendRun is -tcpbox-nosendrun: passed to the tcpbox server as -nosendrun.
var tcpboxNoSendRun bool

// kernelIngress is -kernel-ingress: passed to the gVisor and tcpbox
// servers as -kernel-ingress.
var kernelIngress bool

func startServer(tb *testbed, self, kind, mode string) (*server, error) {
	tb.kernelAddress(kind == "kernel")
	args := []string{"netns", "exec", tb.srv, self, "serve", "-kind", kind, fmt.Sprintf("-offloads=%v", mode == "on")}
	if profileDir != "" {
		args = append(args, "-cpuprofile", fmt.Sprintf("%s/%s-offloads-%s.pprof", profileDir, kind, mode))
	}
	if tcpboxRing && kind == "tcpbox" {
		args = append(args, "-ring")
	}
	if tcpboxBusy != "" && kind == "tcpbox" {
		args = append(args, "-busypoll", tcpboxBusy)
	}
	if tcpboxCopyRx && kind == "tcpbox" {
		args = append(args, "-copyrx")
	}
	if tcpboxCopySend && kind == "tcpbox" {
		args = append(args, "-copysend")
	}
	if tcpboxNoGRO && kind == "tcpbox" {
		args = append(args, "-nogro")
	}
	if tcpboxNoSendRun && kind == "tcpbox" {
		args = append(args, "-nosendrun")
	}
	if kernelIngress && kind != "kernel" {
		args = append(args, "-kernel-ingress")
	}
	if tcpboxRx != "" && kind == "tcpbox" {
		args = append(args, "-rx", tcpboxRx)
	}
	cmd := exec.Command("ip", args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, stdout: bufio.NewReader(out), pid: cmd.Process.Pid}
	ready := make(chan error, 1)
	go func() {
		line, err := s.stdout.ReadString('\n')
		if err == nil && strings.TrimSpace(line) != "ready" {
			err = fmt.Errorf("server said %q", line)
		}
		ready <- err
	}()
	select {
	case err := <-ready:
		if err != nil {
			s.stop()
			return nil, err
		}
	case <-time.After(30 * time.Second):
		s.stop()
		return nil, fmt.Errorf("server %s not ready in 30s", kind)
	}
	return s, nil
}

func (s *server) stop() serverStats {
	s.cmd.Process.Signal(syscall.SIGTERM)
	var st serverStats
	done := make(chan struct{})
	go func() {
		json.NewDecoder(s.stdout).Decode(&st)
		io.Copy(io.Discard, s.stdout)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
	}
	s.cmd.Wait()
	return st
}

// cpuSeconds reads the process's user+system CPU time.
func cpuSeconds(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	u, _ := strconv.ParseFloat(f[11], 64)
	k, _ := strconv.ParseFloat(f[12], 64)
	return (u + k) / 100 // USER_HZ
}

// rssBytes reads the process's resident set size.
func rssBytes(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			kb, _ := strconv.ParseFloat(strings.Fields(line)[1], 64)
			return kb * 1024
		}
	}
	return 0
}

func runClient(tb *testbed, self string, timeout time.Duration, args ...string) (clientResult, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", tb.cli, self, "client"}, args...)...)
	cmd.Stderr = os.Stderr // the client's diagnostics (BENCH_TCPINFO)
	out, err := cmd.Output()
	var r clientResult
	if err != nil {
		return r, fmt.Errorf("client %v: %w", args, err)
	}
	if err := json.Unmarshal(out, &r); err != nil {
		return r, fmt.Errorf("client %v: %w: %q", args, err, out)
	}
	return r, nil
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return -1
	}
	slices.Sort(v)
	return v[len(v)/2]
}

// serverSamples collects one server's measurements over the
// repetitions; report sets their medians.
type serverSamples struct {
	figs  map[string]float64 // set once (idle memory)
	reps  map[string][]float64
	drops float64
	ran   bool
}

func newServerSamples() *serverSamples {
	return &serverSamples{figs: map[string]float64{}, reps: map[string][]float64{}}
}

func (ss *serverSamples) add(fig string, v float64) { ss.reps[fig] = append(ss.reps[fig], v) }

func (ss *serverSamples) report(res *results, mode, kind string) {
	for k, v := range ss.figs {
		res.set(mode, k, kind, v)
	}
	for k, v := range ss.reps {
		res.set(mode, k, kind, median(v))
	}
	if ss.ran {
		res.set(mode, "afpacket_rx_drops", kind, ss.drops)
	}
}

// measureServer starts a fresh server, measures one repetition of every
// selected operation (idle memory first, with idle > 0) and stops it; the
// kernel's drops on its AF_PACKET socket add up over the repetitions.
func measureServer(tb *testbed, self, kind, mode string, dur time.Duration, idle int, ss *serverSamples) {
	srv, err := startServer(tb, self, kind, mode)
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: %s: %v\n", kind, err)
		return
	}
	timeout := dur + 30*time.Second

	// Memory first, on a fresh server, so earlier bulk buffers do not
	// hide in the baseline.
	if idle > 0 {
		if per, err := idleMemory(tb, self, srv.pid, idle); err == nil {
			ss.figs["idle_bytes_per_conn"] = per
		} else {
			fmt.Fprintf(os.Stderr, "bench: %s idle: %v\n", kind, err)
		}
	}
	for _, op := range []string{"upload", "download"} {
		for _, p := range []int{1, 4} {
			if !wantOp(fmt.Sprintf("%s_p%d", op, p)) {
				continue
			}
			c0 := cpuSeconds(srv.pid)
			r, err := runClient(tb, self, timeout, "-op", op, "-p", strconv.Itoa(p), "-d", dur.String())
			if err != nil || r.Bytes == 0 {
				fmt.Fprintf(os.Stderr, "bench: %s %s -p %d: %v %+v\n", kind, op, p, err, r)
				continue
			}
			ss.add(fmt.Sprintf("%s_p%d_gbps", op, p), r.Gbps)
			if p == 1 {
				ss.add("cpu_s_per_gb", (cpuSeconds(srv.pid)-c0)/(float64(r.Bytes)/1e9))
			}
		}
	}
	for _, size := range []int{64, 1400} {
		if !wantOp(fmt.Sprintf("rr%d", size)) {
			continue
		}
		r, err := runClient(tb, self, timeout, "-op", "rr", "-size", strconv.Itoa(size), "-d", dur.String())
		if err != nil || r.Count == 0 {
			fmt.Fprintf(os.Stderr, "bench: %s rr %d: %v %+v\n", kind, size, err, r)
			continue
		}
		ss.add(fmt.Sprintf("rr%d_p50_us", size), r.P50us)
		ss.add(fmt.Sprintf("rr%d_p99_us", size), r.P99us)
	}
	if wantOp("crr") {
		r, err := runClient(tb, self, timeout, "-op", "crr", "-p", "4", "-d", dur.String())
		if err != nil || r.Count == 0 {
			fmt.Fprintf(os.Stderr, "bench: %s crr: %v %+v\n", kind, err, r)
		} else {
			ss.add("conn_per_sec", r.PerSec)
		}
	}
	st := srv.stop()
	ss.ran = true
	ss.drops += float64(st.RxDropped)
	if st.Note != "" {
		fmt.Fprintf(os.Stderr, "bench: %s offloads %s: %s\n", kind, mode, st.Note)
	}
}

func idleMemory(tb *testbed, self string, pid, n int) (float64, error) {
	before := rssBytes(pid)
	cmd := exec.Command("ip", "netns", "exec", tb.cli, self, "client", "-op", "hold", "-n", strconv.Itoa(n))
	stdin, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	defer func() {
		stdin.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	}()
	line := make(chan string, 1)
	go func() {
		l, _ := bufio.NewReader(out).ReadString('\n')
		line <- l
	}()
	var held int
	select {
	case l := <-line:
		fmt.Sscanf(l, "held %d", &held)
	case <-time.After(120 * time.Second):
		return 0, fmt.Errorf("hold: no answer in 120s")
	}
	if held < n {
		return 0, fmt.Errorf("hold: only %d of %d connections", held, n)
	}
	time.Sleep(2 * time.Second) // let the server settle the accepts
	return (rssBytes(pid) - before) / float64(held), nil
}
