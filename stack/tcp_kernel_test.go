package stack

import (
	"context"
	"net/netip"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/hack/capture"
	"github.com/tcpbox/tcpbox/hack/testbed"
	"github.com/tcpbox/tcpbox/nic/afpacket"
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
	rec       *capture.Recorder
	peer      netip.Addr
	dut       netip.Addr
	listeners []*TCPListener
	// peerNotJudged: the capture's verdict leaves out the kernel's
	// retransmissions (logs them) and judges only tcpbox's.
	peerNotJudged bool
}

type kernelBedOptions struct {
	snapLen int // 0: whole frames
	mtu     int
	rcvBuf  int // AF_PACKET socket receive buffer; 0: afpacket's default
	// offloads leaves the veths' checksum and segmentation offloads on,
	// so tcpbox reads GSO super-frames.
	offloads bool
	copyRx   bool // Options.CopyReceive
	noGRO    bool // Options.NoGRO
}

func newKernelBed(t testing.TB, o kernelBedOptions, tools ...string) *kernelBed {
	t.Helper()
	testbed.Require(t, append([]string{"ethtool", "tshark"}, tools...)...)
	p := testbed.NewPair(t, testbed.PairOptions{MTU: o.mtu, Offloads: o.offloads})
	st, rec := startOnAFPacket(t, p.DUT, p.DUTIf, afpacket.Options{RcvBuf: o.rcvBuf}, Options{Addr: testbed.DUTPrefix, CopyReceive: o.copyRx, NoGRO: o.noGRO}, o.snapLen)
	return &kernelBed{Pair: p, st: st, rec: rec, peer: testbed.PeerPrefix.Addr(), dut: testbed.DUTPrefix.Addr()}
}

// startOnAFPacket opens an AF_PACKET link on ifname in ns and starts a
// stack on it behind a capture recorder (snapLen bytes per frame, 0:
// all), both closed when the test ends.
func startOnAFPacket(t testing.TB, ns *testbed.NS, ifname string, lo afpacket.Options, o Options, snapLen int) (*Stack, *capture.Recorder) {
	t.Helper()
	var link *afpacket.Link
	if err := ns.Do(func() (err error) {
		link, err = afpacket.Open(ifname, lo)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	rec := capture.NewRecorder(link)
	st, err := New(rec, o)
	if err != nil {
		link.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		st.Close()
		rec.Stop()
	})
	rec.Start(t, snapLen, 0)
	return st, rec
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

// checkCapture ends the capture and has hack/capture judge it: no
// malformed frames or bad checksums, and, when clean (0% loss), no
// retransmission by tcpbox, none by the kernel that the capture does not
// show was caused by load, and no zero-window stall. It returns the
// number of TCP frames.
func (b *kernelBed) checkCapture(t testing.TB, clean bool) int {
	t.Helper()
	b.rec.Stop()
	r := capture.Judge(t, b.rec.Path(), b.dut)
	if b.peerNotJudged {
		r.CheckTCPBox(t, clean)
	} else {
		r.Check(t, clean)
	}
	if t.Failed() {
		for _, i := range b.st.TCPConnections() {
			t.Logf("tcpbox %v %v->%v: retrans %d (fast %d, rto %d, tlp %d), undos %d, srtt %v rto %v",
				i.State, i.Local, i.Remote, i.TotalRetrans, i.FastRetrans, i.RTORetrans, i.TLPProbes, i.Undos, i.SRTT, i.RTO)
		}
	}
	if r.MinusZero > 0 {
		// Such frames are valid; tcpbox must have taken them.
		if n := b.st.Stats().Drops[DropTCPChecksum]; n != 0 {
			t.Errorf("tcpbox dropped %d segments for their checksum; the capture holds %d with checksum 0xffff (= 0x0000)", n, r.MinusZero)
		}
	}
	return r.TCPFrames
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
		out, _ := exec.Command("tshark", "-r", b.rec.Path()).Output()
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
