package main

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// clientResult is what one client run prints as JSON.
type clientResult struct {
	Op      string  `json:"op"`
	Bytes   int64   `json:"bytes,omitempty"`
	Seconds float64 `json:"seconds"`
	Gbps    float64 `json:"gbps,omitempty"`
	P50us   float64 `json:"p50_us,omitempty"`
	P99us   float64 `json:"p99_us,omitempty"`
	Count   int     `json:"count,omitempty"`
	PerSec  float64 `json:"per_sec,omitempty"`
	Errors  int     `json:"errors,omitempty"`
}

// clientMain runs one measurement from the kernel's stack in the client
// namespace and prints a clientResult.
func clientMain(args []string) {
	fs := flag.NewFlagSet("client", flag.ExitOnError)
	op := fs.String("op", "upload", "upload, download, rr, crr or hold")
	par := fs.Int("p", 1, "parallel connections")
	dur := fs.Duration("d", 3*time.Second, "duration")
	size := fs.Int("size", 64, "rr message size")
	n := fs.Int("n", 10000, "hold: connections")
	fs.Parse(args)
	var r clientResult
	switch *op {
	case "upload", "download":
		r = bulk(*op, *par, *dur)
	case "rr":
		r = rr(*size, *dur)
	case "crr":
		r = crr(*par, *dur)
	case "hold":
		hold(*n)
		return
	default:
		fatalf("unknown op %q", *op)
	}
	json.NewEncoder(os.Stdout).Encode(r)
}

func dial(port int) (net.Conn, error) {
	return net.DialTimeout("tcp4", fmt.Sprintf("%s:%d", srvAddr, port), 5*time.Second)
}

func bulk(op string, par int, dur time.Duration) clientResult {
	var total atomic.Int64
	var wg sync.WaitGroup
	var errs atomic.Int32
	start := time.Now()
	deadline := start.Add(dur)
	for range par {
		wg.Add(1)
		go func() {
			defer wg.Done()
			port := portSink
			if op == "download" {
				port = portSource
			}
			c, err := dial(port)
			if err != nil {
				errs.Add(1)
				return
			}
			defer c.Close()
			c.SetDeadline(deadline)
			if os.Getenv("BENCH_TCPINFO") != "" {
				stop := make(chan struct{})
				defer close(stop)
				// Owned by this connection's goroutine: ends at stop.
				go every(500*time.Millisecond, stop, func() { printTCPInfo(c) })
			}
			buf := make([]byte, 128<<10)
			for time.Now().Before(deadline) {
				var k int
				if op == "upload" {
					k, err = c.Write(buf)
				} else {
					k, err = c.Read(buf)
				}
				total.Add(int64(k))
				if err != nil {
					break
				}
			}
		}()
	}
	wg.Wait()
	sec := time.Since(start).Seconds()
	return clientResult{Op: op, Bytes: total.Load(), Seconds: sec, Gbps: float64(total.Load()) * 8 / sec / 1e9, Errors: int(errs.Load())}
}

func echoOnce(c net.Conn, msg, resp []byte) error {
	if _, err := c.Write(msg); err != nil {
		return err
	}
	_, err := io.ReadFull(c, resp)
	return err
}

func framedMsg(size int) []byte {
	msg := make([]byte, 4+size)
	binary.BigEndian.PutUint32(msg, uint32(size))
	return msg
}

func rr(size int, dur time.Duration) clientResult {
	c, err := dial(portEcho)
	if err != nil {
		return clientResult{Op: "rr", Errors: 1}
	}
	defer c.Close()
	c.(*net.TCPConn).SetNoDelay(true)
	msg := framedMsg(size)
	resp := make([]byte, len(msg))
	lat := make([]time.Duration, 0, 1<<16)
	start := time.Now()
	c.SetDeadline(start.Add(dur + 5*time.Second))
	for time.Since(start) < dur && len(lat) < 1<<20 {
		t0 := time.Now()
		if err := echoOnce(c, msg, resp); err != nil {
			return clientResult{Op: "rr", Errors: 1, Count: len(lat)}
		}
		lat = append(lat, time.Since(t0))
	}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return float64(lat[int(p*float64(len(lat)-1))].Nanoseconds()) / 1e3
	}
	return clientResult{Op: "rr", Count: len(lat), Seconds: time.Since(start).Seconds(), P50us: pct(0.50), P99us: pct(0.99)}
}

func crr(par int, dur time.Duration) clientResult {
	var count, errs atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range par {
		wg.Add(1)
		go func() {
			defer wg.Done()
			msg := framedMsg(64)
			resp := make([]byte, len(msg))
			for time.Since(start) < dur {
				c, err := dial(portEcho)
				if err != nil {
					errs.Add(1)
					continue
				}
				c.SetDeadline(time.Now().Add(5 * time.Second))
				if echoOnce(c, msg, resp) == nil {
					count.Add(1)
				} else {
					errs.Add(1)
				}
				c.Close()
			}
		}()
	}
	wg.Wait()
	sec := time.Since(start).Seconds()
	return clientResult{Op: "crr", Count: int(count.Load()), Seconds: sec, PerSec: float64(count.Load()) / sec, Errors: int(errs.Load())}
}

// hold opens n idle connections, prints "held N", and keeps them until
// standard input closes.
func hold(n int) {
	conns := make([]net.Conn, 0, n)
	for i := 0; i < n; i++ {
		c, err := dial(portSink)
		if err != nil {
			break
		}
		conns = append(conns, c)
	}
	fmt.Printf("held %d\n", len(conns))
	io.Copy(io.Discard, bufio.NewReader(os.Stdin))
	for _, c := range conns {
		c.Close()
	}
}

// printTCPInfo writes the client socket's tcp_info to standard error
// (BENCH_TCPINFO=1): what limited the sender, the window and the RTT.
func printTCPInfo(c net.Conn) {
	raw, err := c.(*net.TCPConn).SyscallConn()
	if err != nil {
		return
	}
	raw.Control(func(fd uintptr) {
		ti, err := unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO)
		if err != nil {
			return
		}
		fmt.Fprintf(os.Stderr, "tcp_info: busy %dus rwnd_limited %dus sndbuf_limited %dus snd_wnd %d cwnd %d ssthresh %d unacked %d rtt %dus min_rtt %dus retrans %d segs_out %d notsent %d\n",
			ti.Busy_time, ti.Rwnd_limited, ti.Sndbuf_limited, ti.Snd_wnd, ti.Snd_cwnd, ti.Snd_ssthresh, ti.Unacked, ti.Rtt, ti.Min_rtt, ti.Total_retrans, ti.Segs_out, ti.Notsent_bytes)
	})
}

// every calls fn every d until stop closes.
func every(d time.Duration, stop <-chan struct{}, fn func()) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			fn()
		}
	}
}
