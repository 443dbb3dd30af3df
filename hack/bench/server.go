package main

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"github.com/tcpbox/tcpbox/appliance/nicsetup"
	"github.com/tcpbox/tcpbox/config"
	"github.com/tcpbox/tcpbox/stack"
	"io"
	"net"
	"os"
	"os/signal"
	"runtime/pprof"
	"runtime/trace"
	"sync"
	"syscall"
	"time"
)

// The benchmark's services, identical on every server under test.
const (
	portSink   = 5001 // reads and discards (upload)
	portSource = 5002 // writes until the client closes (download)
	portEcho   = 5003 // framed echo: 4-byte big-endian length, payload
)

// serverStats is what a server reports on stdout when it ends.
type serverStats struct {
	Kind      string `json:"kind"`
	RxDropped uint64 `json:"rx_dropped"` // kernel drops on the AF_PACKET socket
	Note      string `json:"note,omitempty"`
}

// listenFunc opens a listener on the server's address and port.
type listenFunc func(port int) (net.Listener, error)

func serveMain(args []string) {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	kind := fs.String("kind", "kernel", "kernel, gvisor or tcpbox")
	iface := fs.String("iface", "veth0", "interface for gvisor and tcpbox")
	addr := fs.String("addr", srvAddr+prefix, "server address")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the whole serve run here")
	offloads := fs.Bool("offloads", false, "the interface has checksum and segmentation offloads on")
	ring := fs.Bool("ring", false, "tcpbox: receive through the TPACKET_V3 ring instead of recvmmsg (= -rx v3)")
	rx := fs.String("rx", "", "tcpbox: receive path, recvmmsg, v2 or v2:SLOTS (TPACKET_V2 frame ring) or v3 (TPACKET_V3 block ring); empty for afpacket's default")
	busy := fs.Duration("busypoll", config.Defaults().Link.BusyPoll.D(), "tcpbox: link busy-poll time (0 for off); default the appliance's")
	copySend := fs.Bool("copysend", false, "tcpbox: copy super-segments' payloads behind their headers (stack.Options.CopySend)")
	copyRx := fs.Bool("copyrx", false, "tcpbox: copy every received payload (stack.Options.CopyReceive) instead of reading from lent frames")
	noGRO := fs.Bool("nogro", false, "tcpbox: no receive coalescing (stack.Options.NoGRO)")
	noSendRun := fs.Bool("nosendrun", false, "tcpbox: TCP emits data one segment at a time (stack.Options.NoSendRun)")
	kernelIngress := fs.Bool("kernel-ingress", false, "gvisor and tcpbox: leave the kernel routing the interface's frames (no ingress drop, as before appliance/nicsetup.DropIngress)")
	fs.Parse(args)
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fatalf("%v", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fatalf("%v", err)
		}
		defer func() {
			pprof.StopCPUProfile()
			f.Close()
		}()
	}

	var listen listenFunc
	var stats func() serverStats
	var closeFn func()
	switch *kind {
	case "kernel":
		listen = func(port int) (net.Listener, error) {
			return net.Listen("tcp4", fmt.Sprintf("%s:%d", srvAddr, port))
		}
		stats = func() serverStats { return serverStats{Kind: "kernel", Note: "kernel sockets: no AF_PACKET"} }
		closeFn = func() {}
		// The kernel server needs the frames an earlier AF_PACKET
		// server's ingress drop would still throw away.
		if err := nicsetup.UndoIngress(*iface); err != nil {
			fatalf("%v", err)
		}
	case "gvisor":
		listen, stats, closeFn = startGVisor(*iface, *addr, *offloads)
	case "tcpbox":
		listen, stats, closeFn = startTCPBox(*iface, *addr, rxMode(*rx, *ring), *busy, stack.Options{CopyReceive: *copyRx, CopySend: *copySend, NoGRO: *noGRO, NoSendRun: *noSendRun})
	default:
		fatalf("unknown server kind %q", *kind)
	}
	if *kind != "kernel" && !*kernelIngress {
		// As the appliance sets its NIC up (appliance/nicsetup): the
		// kernel drops the frames of the AF_PACKET servers' interface
		// once their socket has seen them, instead of routing each and
		// failing. Both AF_PACKET servers, gVisor's too, get it.
		if err := nicsetup.DropIngress(*iface); err != nil {
			fatalf("%v", err)
		}
		defer nicsetup.UndoIngress(*iface)
	}
	var lns []net.Listener
	var wg sync.WaitGroup
	for port, h := range map[int]func(net.Conn){portSink: sink, portSource: source, portEcho: framedEcho} {
		ln, err := listen(port)
		if err != nil {
			fatalf("listen %d: %v", port, err)
		}
		lns = append(lns, ln)
		wg.Add(1)
		go func() {
			defer wg.Done()
			acceptLoop(ln, h)
		}()
	}
	fmt.Println("ready")
	stopTrace := traceWindow(os.Getenv("BENCH_TRACE"))
	defer stopTrace()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
	for _, ln := range lns {
		ln.Close()
	}
	st := stats()
	json.NewEncoder(os.Stdout).Encode(st)
	closeFn()
}

func acceptLoop(ln net.Listener, h func(net.Conn)) {
	for {
		c, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		go func() {
			defer c.Close()
			h(c)
		}()
	}
}

func sink(c net.Conn) {
	buf := make([]byte, 256<<10)
	for {
		if _, err := c.Read(buf); err != nil {
			return
		}
	}
}

func source(c net.Conn) {
	buf := make([]byte, 128<<10)
	for i := range buf {
		buf[i] = byte(i * 7)
	}
	for {
		if _, err := c.Write(buf); err != nil {
			return
		}
	}
}

// echoBufs holds framed echo's buffers (a header and the largest frame)
// between connections. A buffer allocated per connection (64 KiB, zeroed)
// and a reply allocated per message made the connection-rate run's
// server process collect garbage hundreds of times a second, whichever
// stack it served, and the in-process stacks (tcpbox, gVisor) share
// that process's CPU and garbage collector with their own work.
var echoBufs = sync.Pool{New: func() any { b := make([]byte, 4+maxEcho); return &b }}

// maxEcho is the largest frame framed echo answers.
const maxEcho = 64 << 10

func framedEcho(c net.Conn) {
	bp := echoBufs.Get().(*[]byte)
	defer echoBufs.Put(bp)
	buf := *bp
	for {
		if _, err := io.ReadFull(c, buf[:4]); err != nil {
			return
		}
		n := int(binary.BigEndian.Uint32(buf[:4]))
		if n > maxEcho {
			return
		}
		if _, err := io.ReadFull(c, buf[4:4+n]); err != nil {
			return
		}
		if _, err := c.Write(buf[:4+n]); err != nil {
			return
		}
	}
}

// traceWindow writes a Go execution trace of this server to file
// (BENCH_TRACE=FILE): 300 ms of it, from 2.5 s after the server is
// ready, which is inside the first operation of a run of 3 s or more.
// The returned function waits for the trace to end. Read it with `go
// tool trace FILE`, or `go tool trace -pprof=sched FILE` for where
// goroutines waited to be scheduled (docs/performance.md, round eleven).
func traceWindow(file string) (wait func()) {
	if file == "" {
		return func() {}
	}
	done := make(chan struct{})
	// Owned by the server: it ends after the window, and serveMain waits
	// for it before it exits.
	go func() {
		defer close(done)
		time.Sleep(2500 * time.Millisecond)
		f, err := os.Create(file)
		if err != nil {
			fmt.Fprintf(os.Stderr, "bench: trace: %v\n", err)
			return
		}
		defer f.Close()
		if err := trace.Start(f); err != nil {
			fmt.Fprintf(os.Stderr, "bench: trace: %v\n", err)
			return
		}
		time.Sleep(300 * time.Millisecond)
		trace.Stop()
	}()
	return func() { <-done }
}
