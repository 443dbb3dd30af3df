package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tcpbox/tcpbox/nic"
	"github.com/tcpbox/tcpbox/nic/afpacket"
	"github.com/tcpbox/tcpbox/nic/bridge"
	"github.com/tcpbox/tcpbox/nic/impair"
	"github.com/tcpbox/tcpbox/nic/pcap"
	"github.com/tcpbox/tcpbox/stack"
)

// The kernel testbed: Linux in namespace k (198.18.0.1/24 on veth0),
// tcpbox in namespace t (198.18.0.2/24 on veth0 through AF_PACKET, no
// kernel address there), and nic/bridge in namespace m forwarding
// between vk (towards k) and vt (towards t) with the path's impairment.
var (
	kernelPrefix = netip.MustParsePrefix("198.18.0.1/24")
	tcpboxPrefix = netip.MustParsePrefix("198.18.0.2/24")
)

type kernelBed struct {
	k, m, t *netns
	st      *stack.Stack
	// tap, if set, records every frame on the bridge's kernel-side port
	// (what the kernel receives, after impairment, and what it sends) as
	// pcap, with headers only.
	tap io.Writer
}

// newKernelBed builds the namespaces and tcpbox's stack; wrap, if not
// nil, wraps tcpbox's link (a test records tcpbox's side with it).
func newKernelBed(wrap func(nic.Link) nic.Link) (b *kernelBed, err error) {
	if os.Geteuid() != 0 {
		return nil, errors.New("-kernel needs root (network namespaces, AF_PACKET)")
	}
	b = &kernelBed{}
	defer func() {
		if err != nil {
			b.close()
		}
	}()
	for _, p := range []struct {
		ns  **netns
		tag string
	}{{&b.k, "k"}, {&b.m, "m"}, {&b.t, "t"}} {
		if *p.ns, err = newNetns(p.tag); err != nil {
			return b, err
		}
	}
	if err = veth(b.k, "veth0", b.m, "vk"); err != nil {
		return b, err
	}
	if err = veth(b.t, "veth0", b.m, "vt"); err != nil {
		return b, err
	}
	for _, q := range []struct {
		ns *netns
		i  string
	}{{b.m, "vk"}, {b.m, "vt"}, {b.t, "veth0"}} {
		if err = q.ns.quiet(q.i); err != nil {
			return b, err
		}
	}
	mac, err := b.t.run("cat", "/sys/class/net/veth0/address")
	if err != nil {
		return b, err
	}
	for _, c := range [][]string{
		{"sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1"},
		// Each run starts from scratch, not from a cached ssthresh.
		{"sysctl", "-q", "-w", "net.ipv4.tcp_no_metrics_save=1"},
		{"ip", "addr", "add", kernelPrefix.String(), "dev", "veth0"},
		// A static neighbour: loss on the path then hits only TCP.
		{"ip", "neigh", "replace", tcpboxPrefix.Addr().String(), "lladdr", strings.TrimSpace(mac), "dev", "veth0", "nud", "permanent"},
	} {
		if _, err = b.k.run(c[0], c[1:]...); err != nil {
			return b, err
		}
	}
	err = b.t.do(func() error {
		l, err := afpacket.Open("veth0", afpacket.Options{WaitUp: 10 * time.Second})
		if err != nil {
			return err
		}
		var link nic.Link = l
		if wrap != nil {
			link = wrap(l)
		}
		b.st, err = stack.New(link, stack.Options{Addr: tcpboxPrefix})
		if err != nil {
			link.Close()
		}
		return err
	})
	return b, err
}

func (b *kernelBed) close() {
	if b.st != nil {
		b.st.Close()
	}
	for _, ns := range []*netns{b.k, b.m, b.t} {
		if ns != nil {
			ns.del()
		}
	}
}

// bridge starts the impairment for one run: kernelToTCPBox is the A->B
// direction (vk to vt), tcpboxToKernel B->A.
func (b *kernelBed) bridge(kernelToTCPBox, tcpboxToKernel impair.Direction, seed int64) (br *bridge.Bridge, err error) {
	if b.tap == nil {
		err = b.m.do(func() error {
			br, err = bridge.Open(bridge.Config{A: "vk", B: "vt", AB: kernelToTCPBox, BA: tcpboxToKernel, Seed: seed}, nil)
			return err
		})
		return br, err
	}
	// As bridge.Open, with the kernel-side port recorded.
	err = b.m.do(func() error {
		o := afpacket.Options{Promisc: true, WaitUp: 10 * time.Second}
		a, err := afpacket.Open("vk", o)
		if err != nil {
			return err
		}
		t, err := afpacket.Open("vt", o)
		if err != nil {
			a.Close()
			return err
		}
		br, err = bridge.Start(pcap.Wrap(a, b.tap, pcap.Options{SnapLen: 128}), t, kernelToTCPBox, tcpboxToKernel, seed)
		if err != nil {
			a.Close()
			t.Close()
		}
		return err
	})
	return br, err
}

// availableKernelAlgos lists what the kernel offers for TCP_CONGESTION
// without loading modules.
func availableKernelAlgos() []string {
	b, err := os.ReadFile("/proc/sys/net/ipv4/tcp_available_congestion_control")
	if err != nil {
		return nil
	}
	return strings.Fields(string(b))
}

func runKernel(algos, kalgos []string, losses []float64, base path, dur time.Duration, seed int64) ([]result, []string, error) {
	avail := availableKernelAlgos()
	b, err := newKernelBed(nil)
	if err != nil {
		return nil, avail, err
	}
	setCleanup(b.close)
	defer func() {
		setCleanup(nil)
		b.close()
	}()
	var rows []result
	for i, p := range losses {
		pp := base
		pp.Loss = p
		s := seed + int64(i)
		for _, a := range algos {
			r := b.tcpboxSends(a, pp, dur, s)
			fmt.Fprintf(os.Stderr, "kernel bed: tcpbox %s loss %g%%: %.1f Mbit/s retrans %d dropped %d %s\n", a, 100*p, r.GoodputMbps, r.Retrans, r.Dropped, r.Err)
			rows = append(rows, r)
		}
		for _, a := range kalgos {
			if !slices.Contains(avail, a) {
				fmt.Fprintf(os.Stderr, "kernel bed: Linux does not offer %s (available: %s): skipped\n", a, strings.Join(avail, " "))
				continue
			}
			r := b.kernelSends(a, pp, dur, s)
			fmt.Fprintf(os.Stderr, "kernel bed: linux %s loss %g%%: %.1f Mbit/s retrans %d dropped %d %s\n", a, 100*p, r.GoodputMbps, r.Retrans, r.Dropped, r.Err)
			rows = append(rows, r)
		}
	}
	return rows, avail, nil
}

// tcpboxSends: tcpbox dials the kernel with algorithm algo and sends.
func (b *kernelBed) tcpboxSends(algo string, p path, dur time.Duration, seed int64) result {
	r := result{Mode: "kernel", Sender: "tcpbox", Receiver: "linux", Algo: algo, Loss: p.Loss}
	if pcapDir != "" && b.tap == nil {
		f, err := os.Create(filepath.Join(pcapDir, fmt.Sprintf("kernel-tcpbox-%s-%g.pcap", algo, p.Loss)))
		if err == nil {
			b.tap = f
			defer func() { b.tap = nil; f.Close() }()
		}
	}
	br, err := b.bridge(p.ack(), p.data(), seed)
	if err != nil {
		r.Err = err.Error()
		return r
	}
	defer br.Close()
	var ln net.Listener
	if err := b.k.do(func() (err error) {
		ln, err = net.Listen("tcp4", netip.AddrPortFrom(kernelPrefix.Addr(), benchPort).String())
		return err
	}); err != nil {
		r.Err = err.Error()
		return r
	}
	defer ln.Close()
	acc := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		acc <- c
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	snd, err := b.st.DialTCP(ctx, netip.AddrPortFrom(kernelPrefix.Addr(), benchPort), senderOptions(algo)...)
	if err != nil {
		ln.Close()
		if c := <-acc; c != nil {
			c.Close()
		}
		r.Err = fmt.Sprintf("dial: %v", err)
		return r
	}
	defer snd.Close()
	c := <-acc
	if c == nil {
		r.Err = "accept failed"
		return r
	}
	defer c.Close()
	before := br.Stats().BA
	var st senderStats
	tr := bulk(snd, c.(*net.TCPConn), dur, 60*time.Second, uint64(seed), func(final bool) {
		in := snd.TCPInfo()
		st.sample(in.SRTT)
		if final {
			st.Retrans, st.MinRTT, st.MSS, st.CCName = in.TotalRetrans, in.MinRTT, in.SndMSS, in.Congestion
			st.Extra = fmt.Sprintf("fast %d rto %d dsack %d tlp %d undo %d; now %s unacked %d sacked %d lost %d retrans %d sndwnd %d cwnd %d notsent %d",
				in.FastRetrans, in.RTORetrans, in.DSACKDups, in.TLPProbes, in.Undos, in.CAState, in.Unacked, in.Sacked, in.Lost, in.Retrans, in.SndWnd, in.Cwnd, in.NotSentBytes)
		}
	})
	after := br.Stats().BA
	writeTrace(fmt.Sprintf("kernel-tcpbox-%s-%g", algo, p.Loss), snd.Trace(nil))
	r.fill(tr, st)
	r.Dropped, r.DropQueue = after.Dropped()-before.Dropped(), after.DropQueue-before.DropQueue
	return r
}

// kernelSends: the kernel dials tcpbox with its algorithm algo
// (TCP_CONGESTION) and sends.
func (b *kernelBed) kernelSends(algo string, p path, dur time.Duration, seed int64) result {
	r := result{Mode: "kernel", Sender: "linux", Receiver: "tcpbox", Algo: algo, Loss: p.Loss}
	br, err := b.bridge(p.data(), p.ack(), seed)
	if err != nil {
		r.Err = err.Error()
		return r
	}
	defer br.Close()
	ln, err := b.st.ListenTCP(netip.AddrPortFrom(tcpboxPrefix.Addr(), benchPort))
	if err != nil {
		r.Err = err.Error()
		return r
	}
	defer ln.Close()
	type accepted struct {
		c   *stack.TCPConn
		err error
	}
	acc := make(chan accepted, 1)
	go func() {
		c, err := ln.AcceptTCP()
		acc <- accepted{c, err}
	}()
	var snd *net.TCPConn
	var ccErr error
	d := net.Dialer{Timeout: 30 * time.Second, Control: func(_, _ string, rc syscall.RawConn) error {
		if err := rc.Control(func(fd uintptr) {
			ccErr = unix.SetsockoptString(int(fd), unix.IPPROTO_TCP, unix.TCP_CONGESTION, algo)
		}); err != nil {
			return err
		}
		return ccErr
	}}
	if err := b.k.do(func() error {
		c, err := d.Dial("tcp4", netip.AddrPortFrom(tcpboxPrefix.Addr(), benchPort).String())
		if err == nil {
			snd = c.(*net.TCPConn)
		}
		return err
	}); err != nil {
		ln.Close()
		<-acc
		r.Err = fmt.Sprintf("dial: %v", err)
		return r
	}
	defer snd.Close()
	a := <-acc
	if a.err != nil {
		r.Err = fmt.Sprintf("accept: %v", a.err)
		return r
	}
	defer a.c.Close()
	before := br.Stats().AB
	var st senderStats
	tr := bulk(snd, a.c, dur, 60*time.Second, uint64(seed), func(final bool) {
		ti, name, err := kernelInfo(snd)
		if err != nil {
			return
		}
		st.sample(time.Duration(ti.Rtt) * time.Microsecond)
		if final {
			st.Retrans, st.MinRTT, st.MSS = uint64(ti.Total_retrans), time.Duration(ti.Min_rtt)*time.Microsecond, int(ti.Snd_mss)
			st.CCName = name
			st.Extra = fmt.Sprintf("reord_seen %d dsack_dups %d", ti.Reord_seen, ti.Dsack_dups)
		}
	})
	after := br.Stats().AB
	r.fill(tr, st)
	r.Dropped, r.DropQueue = after.Dropped()-before.Dropped(), after.DropQueue-before.DropQueue
	return r
}

// kernelInfo reads TCP_INFO and TCP_CONGESTION of a kernel socket.
func kernelInfo(c *net.TCPConn) (ti *unix.TCPInfo, name string, err error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return nil, "", err
	}
	var ierr error
	cerr := rc.Control(func(fd uintptr) {
		ti, ierr = unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO)
		if ierr == nil {
			name, _ = unix.GetsockoptString(int(fd), unix.IPPROTO_TCP, unix.TCP_CONGESTION)
			name = strings.TrimRight(name, "\x00")
		}
	})
	if cerr != nil {
		return nil, "", cerr
	}
	return ti, name, ierr
}
