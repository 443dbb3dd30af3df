package stack

import (
	"context"
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
	"github.com/tcpbox/tcpbox/nic/pcap"
	"github.com/tcpbox/tcpbox/services/echo"
	"github.com/tcpbox/tcpbox/services/framed"
	"github.com/tcpbox/tcpbox/services/svc"
)

// kernelBed is the interop testbed: the Linux kernel in namespace Peer
// (198.18.0.1) and tcpbox's stack on AF_PACKET in namespace DUT
// (198.18.0.2), joined by a veth, every frame tcpbox sees recorded by
// nic/pcap for tshark to judge.
type kernelBed struct {
	*testbed.Pair
	st        *Stack
	pcapPath  string
	peer      netip.Addr
	dut       netip.Addr
	listeners []*TCPListener
}

type kernelBedOptions struct {
	snapLen int // 0: whole frames
	mtu     int
	rcvBuf  int // AF_PACKET socket receive buffer; 0: afpacket's default
}

func newKernelBed(t testing.TB, o kernelBedOptions, tools ...string) *kernelBed {
	t.Helper()
	testbed.Require(t, append([]string{"ethtool", "tshark"}, tools...)...)
	p := testbed.NewPair(t, testbed.PairOptions{MTU: o.mtu})
	var link *afpacket.Link
	if err := p.DUT.Do(func() (err error) {
		link, err = afpacket.Open(p.DUTIf, afpacket.Options{RcvBuf: o.rcvBuf})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "dut.pcap")
	f, err := os.Create(path)
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
	st, err := New(&recordFirst{Link: link, w: pw}, Options{Addr: testbed.DUTPrefix})
	if err != nil {
		link.Close()
		f.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		st.Close()
		f.Close()
		// TCPBOX_KEEP_PCAP=dir keeps each test's capture for a person.
		if dir := os.Getenv("TCPBOX_KEEP_PCAP"); dir != "" {
			name := strings.NewReplacer("/", "_", " ", "_").Replace(t.Name()) + ".pcap"
			if b, err := os.ReadFile(path); err == nil {
				os.WriteFile(filepath.Join(dir, name), b, 0o644)
			}
		}
	})
	return &kernelBed{Pair: p, st: st, pcapPath: path, peer: testbed.PeerPrefix.Addr(), dut: testbed.DUTPrefix.Addr()}
}

// recordFirst records frames like pcap.Wrap, except that a frame being
// sent is recorded before it goes to the link: pcap.Wrap records after
// WriteBatch returns, so a fast peer's answer, read and recorded by the
// receive goroutine meanwhile, lands in the file before the frame it
// answers and tshark calls the late record a spurious retransmission.
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

// serveEcho runs the services' TCP echo (7) and framed echo (50000) on
// tcpbox until the test ends.
func (b *kernelBed) serveEcho(t testing.TB, opts ...TCPOption) (*echo.Server, *framed.Server) {
	return b.serveEchoLimits(t, svc.Limits{}, opts...)
}

// serveEchoLimits is serveEcho with the services' connection limits.
func (b *kernelBed) serveEchoLimits(t testing.TB, lim svc.Limits, opts ...TCPOption) (*echo.Server, *framed.Server) {
	t.Helper()
	eln, err := b.st.ListenTCP(netip.AddrPortFrom(netip.IPv4Unspecified(), echo.Port), opts...)
	if err != nil {
		t.Fatal(err)
	}
	fln, err := b.st.ListenTCP(netip.AddrPortFrom(netip.IPv4Unspecified(), framed.Port), opts...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	b.listeners = append(b.listeners, eln, fln)
	es, fs := &echo.Server{Limits: lim}, &framed.Server{Limits: lim}
	done := make(chan struct{}, 2)
	go func() { es.Serve(ctx, eln); done <- struct{}{} }()
	go func() { fs.Serve(ctx, fln); done <- struct{}{} }()
	t.Cleanup(func() {
		if t.Failed() {
			for _, l := range b.listeners {
				t.Logf("listener %v: %+v", l.Addr(), l.Stats())
			}
		}
		cancel()
		<-done
		<-done
	})
	return es, fs
}

// peerRun runs a command in the peer namespace with stdin, bounded by
// timeout, and returns its stdout; it fails the test on error.
func (b *kernelBed) peerRun(t testing.TB, timeout time.Duration, stdin string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := b.Peer.Cmd(ctx, name, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v: %v\nstdout:\n%s\nstderr:\n%s", name, args, err, out.String(), errb.String())
	}
	return out.String()
}

// checkCapture has tshark read the capture: no malformed packets, no bad
// IPv4 or TCP checksums, and (clean) no retransmissions, spurious
// retransmissions or zero windows. It returns the number of TCP frames.
//
// On this shared 2-core machine a stalled process (QEMU boots and other
// packages' tests run beside these) can keep tcpbox off the CPU for longer
// than the kernel's 200 ms minimum RTO, and the kernel then retransmits:
// so a clean verdict fails the test only with TCPBOX_STRICT=1 (as in
// interop/), and otherwise the flagged frames are logged as figures.
// Malformed frames and bad checksums fail always.
func (b *kernelBed) checkCapture(t testing.TB, clean bool) int {
	t.Helper()
	if clean && os.Getenv("TCPBOX_STRICT") != "1" {
		if n := b.countCapture(t, "tcp.analysis.retransmission || tcp.analysis.spurious_retransmission || tcp.analysis.fast_retransmission || tcp.analysis.zero_window"); n > 0 {
			t.Logf("tshark at 0%% loss: %d frames flagged as retransmissions or zero windows (TCPBOX_STRICT=1 fails on them)", n)
			for _, i := range b.st.TCPConnections() {
				t.Logf("tcpbox %v %v->%v: retrans %d (fast %d, rto %d, tlp %d), undos %d, srtt %v rto %v",
					i.State, i.Local, i.Remote, i.TotalRetrans, i.FastRetrans, i.RTORetrans, i.TLPProbes, i.Undos, i.SRTT, i.RTO)
			}
		}
		clean = false
	}
	// A TCP checksum field of 0xffff is a valid one's-complement zero
	// (RFC 1071; the Linux kernel sends it, and the sum over the segment
	// still folds to 0xffff) that tshark reports as a bad checksum and an
	// error; only those frames are excused.
	filter := `_ws.malformed || ip.checksum.status == "Bad" || ((_ws.expert.severity == error || tcp.checksum.status == "Bad") && !tcp.checksum.ffff)`
	if clean {
		filter += ` || tcp.analysis.retransmission || tcp.analysis.spurious_retransmission || tcp.analysis.fast_retransmission || tcp.analysis.zero_window`
	}
	args := []string{"-r", b.pcapPath, "-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE"}
	out, err := exec.Command("tshark", append(args, "-Y", filter)...).Output()
	if err != nil {
		t.Fatalf("tshark: %v\n%s", err, out)
	}
	if s := strings.TrimSpace(string(out)); s != "" {
		lines := strings.Split(s, "\n")
		if len(lines) > 20 {
			lines = append(lines[:20], "...")
		}
		t.Errorf("tshark flags %d frames (%s):\n%s", len(strings.Split(s, "\n")), filter, strings.Join(lines, "\n"))
		for _, i := range b.st.TCPConnections() {
			t.Logf("tcpbox %v %v->%v: retrans %d (fast %d, rto %d, tlp %d), undos %d, srtt %v rto %v",
				i.State, i.Local, i.Remote, i.TotalRetrans, i.FastRetrans, i.RTORetrans, i.TLPProbes, i.Undos, i.SRTT, i.RTO)
		}
	}
	all, err := exec.Command("tshark", append(args, "-Y", "tcp")...).Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	n := len(strings.Split(strings.TrimSpace(string(all)), "\n"))
	if strings.TrimSpace(string(all)) == "" {
		n = 0
	}
	if n == 0 {
		t.Errorf("capture holds no TCP frames")
	}
	return n
}

// TestTCPKernelSeedEchoClient runs the seed's "Sample TCP Client" under
// python3 in the kernel's namespace against tcpbox's TCP echo.
func TestTCPKernelSeedEchoClient(t *testing.T) {
	b := newKernelBed(t, kernelBedOptions{}, "python3")
	b.serveEcho(t)
	out := b.peerRun(t, 30*time.Second, "", "python3", "testdata/tcp/echo_client.py", b.dut.String(), "7")
	// The client prints what it receives 16 bytes at a time; joined, the
	// pieces are the message.
	var got strings.Builder
	for _, line := range strings.Split(out, "\n") {
		if s, ok := strings.CutPrefix(line, `received "`); ok {
			got.WriteString(strings.TrimSuffix(s, `"`))
		}
	}
	if want := "This is the message. It will be repeated"; got.String() != want {
		t.Fatalf("echoed %q, want %q\n%s", got.String(), want, out)
	}
	if !strings.Contains(out, "closing socket") {
		t.Fatalf("client did not finish:\n%s", out)
	}
	n := b.checkCapture(t, true)
	t.Logf("%d TCP frames checked by tshark", n)
	if t.Failed() {
		out, _ := exec.Command("tshark", "-r", b.pcapPath).Output()
		t.Logf("capture:\n%s", out)
	}
}

// TestTCPKernelSeedFramedClient runs the seed's framed client (Python 3
// syntax) against tcpbox's framed echo, the message on stdin.
func TestTCPKernelSeedFramedClient(t *testing.T) {
	b := newKernelBed(t, kernelBedOptions{}, "python3")
	b.serveEcho(t)
	msg := "hello tcpbox, 사요나라"
	out := b.peerRun(t, 30*time.Second, msg+"\n", "python3", "testdata/tcp/framed_client.py", b.dut.String(), "50000")
	if !strings.Contains(out, "the Server said: "+msg) || !strings.Contains(out, "Good bye") {
		t.Fatalf("framed client output:\n%s", out)
	}
	b.checkCapture(t, true)
}

// countCapture counts the frames of the capture that match a tshark
// display filter.
func (b *kernelBed) countCapture(t testing.TB, filter string) int {
	t.Helper()
	out, err := exec.Command("tshark", "-r", b.pcapPath, "-Y", filter, "-T", "fields", "-e", "frame.number").Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	s := strings.TrimSpace(string(out))
	if s == "" {
		return 0
	}
	return len(strings.Split(s, "\n"))
}
