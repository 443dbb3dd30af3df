package interop

import (
	"bytes"
	"context"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/hack/testbed"
	"github.com/tcpbox/tcpbox/nic"
	"github.com/tcpbox/tcpbox/nic/afpacket"
	"github.com/tcpbox/tcpbox/nic/bridge"
	"github.com/tcpbox/tcpbox/nic/impair"
	"github.com/tcpbox/tcpbox/nic/pcap"
	"github.com/tcpbox/tcpbox/stack"
)

// bed is one interop testbed: the kernel in namespace Peer (198.18.0.1),
// tcpbox's stack on AF_PACKET in namespace DUT (198.18.0.2), either on the
// two ends of one veth or, with an impairment, each on a veth into
// namespace Mid where nic/bridge joins them (Peer -> DUT is the bridge's
// A -> B direction).
type bed struct {
	Peer, DUT, Mid *testbed.NS
	st             *stack.Stack
	br             *bridge.Bridge
	pcapPath       string
	peer, dut      netip.Addr
}

type bedOptions struct {
	// impair, if set, puts the impairment bridge between the namespaces.
	impair *bridge.Config
	// snapLen limits captured bytes per frame (0: whole frames); bulk
	// tests keep only headers.
	snapLen int
}

func newBed(t testing.TB, o bedOptions, tools ...string) *bed {
	t.Helper()
	testbed.Require(t, append([]string{"ethtool", "tshark"}, tools...)...)
	b := &bed{peer: testbed.PeerPrefix.Addr(), dut: testbed.DUTPrefix.Addr()}
	if o.impair == nil {
		p := testbed.NewPair(t, testbed.PairOptions{})
		b.Peer, b.DUT = p.Peer, p.DUT
	} else {
		b.Peer, b.DUT, b.Mid = testbed.NewNS(t, "p"), testbed.NewNS(t, "d"), testbed.NewNS(t, "m")
		testbed.Veth(t, b.Peer, "veth0", b.Mid, "va", 1500)
		testbed.Veth(t, b.DUT, "veth0", b.Mid, "vb", 1500)
		b.Mid.Quiet(t, "va")
		b.Mid.Quiet(t, "vb")
		b.DUT.Quiet(t, "veth0")
		b.Peer.MustRun(t, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1")
		b.Peer.MustRun(t, "ip", "addr", "add", testbed.PeerPrefix.String(), "dev", "veth0")
		for _, ns := range []*testbed.NS{b.Peer, b.DUT} {
			ns.Offloads(t, "veth0", false)
		}
		b.Mid.Offloads(t, "va", false)
		b.Mid.Offloads(t, "vb", false)
		// A static neighbour on the kernel's side: its ARP then cannot be
		// lost; tcpbox resolves the kernel with its own retries.
		mac := strings.TrimSpace(b.DUT.MustRun(t, "cat", "/sys/class/net/veth0/address"))
		b.Peer.MustRun(t, "ip", "neigh", "replace", b.dut.String(), "lladdr", mac, "dev", "veth0", "nud", "permanent")
		c := *o.impair
		c.A, c.B = "va", "vb"
		if err := b.Mid.Do(func() (err error) {
			b.br, err = bridge.Open(c, nil)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("bridge:\n%v", b.br.Stats())
			}
			b.br.Close()
		})
	}
	var link *afpacket.Link
	if err := b.DUT.Do(func() (err error) {
		link, err = afpacket.Open("veth0", afpacket.Options{})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	b.pcapPath = filepath.Join(t.TempDir(), "dut.pcap")
	f, err := os.Create(b.pcapPath)
	if err != nil {
		link.Close()
		t.Fatal(err)
	}
	pw, err := pcap.NewWriter(f, o.snapLen)
	if err != nil {
		link.Close()
		f.Close()
		t.Fatal(err)
	}
	b.st, err = stack.New(&recordFirst{Link: link, w: pw}, stack.Options{Addr: testbed.DUTPrefix})
	if err != nil {
		link.Close()
		f.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		b.st.Close()
		f.Close()
		// TCPBOX_KEEP_PCAP=dir keeps each test's capture for a person.
		if dir := os.Getenv("TCPBOX_KEEP_PCAP"); dir != "" {
			name := strings.NewReplacer("/", "_", " ", "_").Replace(t.Name()) + ".pcap"
			if data, err := os.ReadFile(b.pcapPath); err == nil {
				os.WriteFile(filepath.Join(dir, name), data, 0o644)
			}
		}
	})
	return b
}

// recordFirst records every frame tcpbox receives or sends, a sent frame
// before it reaches the link: recorded after, a fast answer read by the
// receive goroutine could land in the file ahead of the frame it answers
// and tshark would call that frame a spurious retransmission.
type recordFirst struct {
	nic.Link
	w *pcap.Writer
}

func (l *recordFirst) ReadBatch(frames []nic.Frame) (int, error) {
	n, err := l.Link.ReadBatch(frames)
	now := time.Now()
	for i := 0; i < n; i++ {
		l.w.WriteFrame(now, frames[i].Data)
	}
	return n, err
}

func (l *recordFirst) WriteBatch(frames []nic.Frame) (int, error) {
	now := time.Now()
	for i := range frames {
		l.w.WriteFrame(now, frames[i].Data)
	}
	return l.Link.WriteBatch(frames)
}

// listen opens a TCP listener on tcpbox's port.
func (b *bed) listen(t testing.TB, port uint16, opts ...stack.TCPOption) *stack.TCPListener {
	t.Helper()
	ln, err := b.st.ListenTCP(netip.AddrPortFrom(netip.IPv4Unspecified(), port), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// serve runs fn (a service's Serve) on ln until the test ends.
func serve(t testing.TB, fn func(context.Context) error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); fn(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Errorf("service did not stop within 30s of its cancel")
		}
	})
}

// dial opens a kernel TCP connection from the peer namespace.
func (b *bed) dial(t testing.TB, addr string) net.Conn {
	t.Helper()
	var c net.Conn
	if err := b.Peer.Do(func() (err error) {
		c, err = net.DialTimeout("tcp4", addr, 20*time.Second)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return c
}

// peerRun runs a command in the peer namespace, bounded by timeout, and
// returns stdout and stderr and the error.
func (b *bed) peerRun(timeout time.Duration, stdin []byte, name string, args ...string) (string, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := b.Peer.Cmd(ctx, name, args...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	return o.String(), e.String(), err
}

// tshark runs tshark on the capture with a display filter and returns one
// line per matching frame.
func (b *bed) tshark(t testing.TB, filter string, extra ...string) []string {
	t.Helper()
	args := []string{"-r", b.pcapPath, "-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE", "-Y", filter}
	out, err := exec.Command("tshark", append(args, extra...)...).Output()
	if err != nil {
		t.Fatalf("tshark -Y %q: %v\n%s", filter, err, out)
	}
	s := strings.TrimSpace(string(out))
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

const (
	badFrames = `_ws.malformed || _ws.expert.severity == error || ip.checksum.status == "Bad" || tcp.checksum.status == "Bad" || udp.checksum.status == "Bad"`
	retxOrZW  = `tcp.analysis.retransmission || tcp.analysis.spurious_retransmission || tcp.analysis.fast_retransmission || tcp.analysis.zero_window`
)

// captureReport is what tshark found in a capture.
type captureReport struct {
	TCPFrames, Retransmissions, ZeroWindows int
}

// checkCapture fails the test on malformed frames or bad checksums and,
// when clean (0% loss), on any retransmission or zero window; it returns
// the counts for the log.
func (b *bed) checkCapture(t testing.TB, clean bool) captureReport {
	t.Helper()
	filter := badFrames
	if clean {
		filter += " || " + retxOrZW
	}
	if lines := b.tshark(t, filter); len(lines) > 0 {
		n := len(lines)
		if n > 20 {
			lines = append(lines[:20], "...")
		}
		t.Errorf("tshark flags %d frames (%s):\n%s", n, filter, strings.Join(lines, "\n"))
	}
	fields := []string{"-T", "fields", "-e", "frame.number"}
	r := captureReport{
		TCPFrames:       len(b.tshark(t, "tcp", fields...)),
		Retransmissions: len(b.tshark(t, "tcp.analysis.retransmission || tcp.analysis.spurious_retransmission || tcp.analysis.fast_retransmission", fields...)),
		ZeroWindows:     len(b.tshark(t, "tcp.analysis.zero_window", fields...)),
	}
	if r.TCPFrames == 0 {
		t.Errorf("capture holds no TCP frames")
	}
	return r
}

// impairment is a bridge configuration with the same impairment both ways.
func impairment(d impair.Direction, seed int64) *bridge.Config {
	return &bridge.Config{AB: d, BA: d, Seed: seed}
}

// big reports whether the large runs are asked for.
func big() bool { return os.Getenv("TCPBOX_BIG") == "1" }
