package interop

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/hack/capture"
	"github.com/tcpbox/tcpbox/hack/testbed"
	"github.com/tcpbox/tcpbox/nic/afpacket"
	"github.com/tcpbox/tcpbox/nic/bridge"
	"github.com/tcpbox/tcpbox/nic/impair"
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
	rec            *capture.Recorder
	peer, dut      netip.Addr
}

type bedOptions struct {
	// impair, if set, puts the impairment bridge between the namespaces.
	impair *bridge.Config
	// snapLen limits captured bytes per frame (0: whole frames); bulk
	// tests keep only headers.
	snapLen int
	// maxFrames bounds the frames captured (0: all). tshark judges about
	// 15,000 frames a second here, so bulk tests judge a prefix.
	maxFrames int
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
	var err error
	if err = b.DUT.Do(func() (err error) {
		link, err = afpacket.Open("veth0", afpacket.Options{})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	b.rec = capture.NewRecorder(link)
	b.st, err = stack.New(b.rec, stack.Options{Addr: testbed.DUTPrefix})
	if err != nil {
		link.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		b.st.Close()
		b.rec.Stop()
	})
	b.capture(t, o.snapLen, o.maxFrames)
	return b
}

// capture starts a new capture for t (a test or subtest) of snapLen
// bytes per frame (0: all) and its first maxFrames frames (0: all); the
// previous one ends. tshark judges about 15,000 frames a second here, so
// bulk tests judge a prefix.
func (b *bed) capture(t testing.TB, snapLen, maxFrames int) {
	t.Helper()
	b.rec.Start(t, snapLen, maxFrames)
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

// checkCapture ends the current capture and has hack/capture judge it:
// no malformed frames or bad checksums, and, when clean (0% loss), no
// retransmission by tcpbox, none by the kernel that the capture does not
// show was caused by load, and no zero-window stall.
func (b *bed) checkCapture(t testing.TB, clean bool) *capture.Report {
	t.Helper()
	b.rec.Stop()
	r := capture.Judge(t, b.rec.Path(), b.dut)
	r.Check(t, clean)
	if r.MinusZero > 0 {
		// Such frames are valid; tcpbox must have taken them.
		if n := b.st.Stats().Drops[stack.DropTCPChecksum]; n != 0 {
			t.Errorf("tcpbox dropped %d segments for their checksum; the capture holds %d with checksum 0xffff (= 0x0000)", n, r.MinusZero)
		}
	}
	return r
}

// impairment is a bridge configuration with the same impairment both ways.
func impairment(d impair.Direction, seed int64) *bridge.Config {
	return &bridge.Config{AB: d, BA: d, Seed: seed}
}

// big reports whether the large runs are asked for.
func big() bool { return os.Getenv("TCPBOX_BIG") == "1" }

// logDrops logs where frames may have been lost without impairment: the
// kernel's interface counters in both namespaces, the kernel's TCP drop
// counters, and tcpbox's link and drop counters.
func (b *bed) logDrops(t testing.TB) {
	t.Helper()
	peer, _, _ := b.Peer.Output(10*time.Second, "ip", "-s", "link", "show", "veth0")
	nstat, _, _ := b.Peer.Output(10*time.Second, "nstat", "-az", "TcpExtTCPBacklogDrop", "TcpExtTCPRcvQDrop", "TcpExtTCPOFODrop", "TcpExtTCPZeroWindowDrop", "IpInDiscards", "TcpExtTCPDSACKRecv", "TcpExtTCPDSACKOldSent", "TcpExtTCPOFOQueue", "TcpExtTCPSACKReorder", "TcpExtTCPDSACKOfoSent")
	st := b.st.Stats()
	t.Logf("kernel side veth0:\n%s\nkernel nstat:\n%s\ntcpbox link %+v\ntcpbox drops %+v", peer, nstat, st.Link, st.Drops)
}

// judged runs run (which starts the capture and makes one transfer, and
// fails the test itself on a functional error) and judges the capture as
// bulkVerdict does, making the run again once if the verdict fails
// (capture.Repeat says why).
func (b *bed) judged(t *testing.T, rec *connRecord, run func()) {
	t.Helper()
	capture.Repeat(t, capture.Repeated{
		Rec: b.rec, Local: b.dut,
		Start: func() {
			if rec != nil {
				rec.take()
			}
		},
		Run: run,
		Extra: func(r *capture.Report) []string {
			if n := b.st.Stats().Drops[stack.DropTCPChecksum]; r.MinusZero > 0 && n != 0 {
				return []string{fmt.Sprintf("tcpbox dropped %d segments for their checksum; the capture holds %d with checksum 0xffff (= 0x0000)", n, r.MinusZero)}
			}
			return nil
		},
		OnFail: func() {
			b.logDrops(t)
			if rec != nil {
				logSenders(t, rec)
			}
		},
	})
}

// bulkVerdict judges the capture of a bulk transfer at 0% loss (see
// checkCapture) and, when it fails, logs the kernel's counters and the
// TCB of tcpbox's bulk senders (rec may be nil).
func (b *bed) bulkVerdict(t *testing.T, rec *connRecord) {
	t.Helper()
	b.checkCapture(t, true)
	if !t.Failed() {
		if rec != nil {
			rec.take()
		}
		return
	}
	b.logDrops(t)
	if rec != nil {
		logSenders(t, rec)
	}
}
