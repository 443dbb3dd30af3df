package appliance

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/hack/testbed"
)

// The Linux kernel in the peer namespace against tcpbox over a veth: the
// "Must show" of issue 2, with real clients (ping, arping, Python, nc) and
// tshark as the independent judge.

var tcpboxMAC = [6]byte{0x02, 0x74, 0x63, 0x70, 0x62, 0x02}

// capture runs tshark on the peer's interface until stop is called.
type capture struct {
	file string
	stop func()
}

func startCapture(t *testing.T, ns *testbed.NS, iface, file string) *capture {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := ns.Cmd(ctx, "tshark", "-q", "-i", iface, "-w", file)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// tshark says "Capturing on" once the socket is open.
	started := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		ok := false
		for sc.Scan() {
			if !ok && strings.Contains(sc.Text(), "Capturing on") {
				ok = true
				started <- true
			}
		}
		if !ok {
			started <- false
		}
	}()
	select {
	case ok := <-started:
		if !ok {
			t.Fatal("tshark did not start")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("tshark did not start within 30 s")
	}
	c := &capture{file: file}
	c.stop = func() {
		cancel()
		cmd.Wait()
	}
	t.Cleanup(c.stop)
	return c
}

// tsharkFields reads a capture and returns one line per matching frame.
func tsharkFields(t *testing.T, file, filter string, fields ...string) []string {
	t.Helper()
	args := []string{"-r", file, "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
		"-Y", filter, "-T", "fields"}
	for _, f := range fields {
		args = append(args, "-e", f)
	}
	cmd := exec.Command("tshark", args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	outb, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark %v: %v\n%s", args, err, stderr.String())
	}
	out := string(outb)
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l != "" {
			lines = append(lines, l)
		}
	}
	return lines
}

func macString(m [6]byte) string { return net.HardwareAddr(m[:]).String() }

// lineWriter hands each written line to a channel.
type lineWriter struct{ ch chan string }

func (w lineWriter) Write(p []byte) (int, error) {
	for _, l := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
		select {
		case w.ch <- l:
		default:
		}
	}
	return len(p), nil
}

// runTCPBox starts Run on the pair's DUT interface and waits for the
// ready line; the returned stop ends it and checks it returned nil.
func runTCPBox(t *testing.T, p *testbed.Pair, cfg Config) (stop func()) {
	t.Helper()
	cfg.Iface = p.DUTIf
	if cfg.StateDir == "" {
		cfg.StateDir = t.TempDir()
	}
	ready := make(chan string, 4)
	cfg.Ready = lineWriter{ready}
	cfg.OpenLink = openIn(p.DUT)
	r := startRun(t, cfg)
	select {
	case line := <-ready:
		want := fmt.Sprintf("tcpbox: ready 198.18.0.2 on %s", p.DUTIf)
		if cfg.DHCP {
			want = "tcpbox: ready "
		}
		if !strings.HasPrefix(line, want) {
			t.Fatalf("ready line %q, want %q", line, want)
		}
	case <-r.ended:
		r.endedEarly()
	case <-time.After(30 * time.Second):
		t.Fatal("no ready line within 30 s")
	}
	return r.stop
}

var pingStats = regexp.MustCompile(`(\d+) packets transmitted, (\d+) received`)

// ping runs the kernel's ping from the peer and returns sent, received and
// the output.
func ping(t *testing.T, ns *testbed.NS, args ...string) (int, int, string) {
	t.Helper()
	out, errOut, _ := ns.Output(120*time.Second, "ping", append([]string{"-q"}, args...)...)
	m := pingStats.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("ping %v: no statistics:\n%s\n%s", args, out, errOut)
	}
	var sent, recv int
	fmt.Sscan(m[1], &sent)
	fmt.Sscan(m[2], &recv)
	return sent, recv, out
}

func TestKernelPeer(t *testing.T) {
	testbed.Require(t, "ping", "arping", "tshark", "python3", "nc")
	p := testbed.NewPair(t, testbed.PairOptions{})
	dir := t.TempDir()
	os.Chmod(dir, 0o777) // tshark may drop privileges to write
	peerCap := startCapture(t, p.Peer, p.PeerIf, filepath.Join(dir, "peer.pcap"))
	dutIfi := dutInterface(t, p)

	// 1. Without tcpbox nobody answers for 198.18.0.2: the kernel on the
	// DUT side holds no address and must stay silent.
	if _, recv, out := ping(t, p.Peer, "-c", "3", "-i", "0.2", "-W", "1", "198.18.0.2"); recv != 0 {
		t.Fatalf("ping answered without tcpbox:\n%s", out)
	}
	if out, _, err := p.Peer.Output(30*time.Second, "arping", "-c", "2", "-w", "3", "-I", p.PeerIf, "198.18.0.2"); err == nil {
		t.Fatalf("arping answered without tcpbox:\n%s", out)
	}

	// 2. With tcpbox (its own MAC, so its frames and the kernel's are told
	// apart in the capture).
	pcapFile := filepath.Join(dir, "tcpbox.pcap")
	stop := runTCPBox(t, p, Config{Addr: mustPrefix("198.18.0.2/24"), MAC: tcpboxMAC, PcapFile: pcapFile})

	if out, errOut, err := p.Peer.Output(30*time.Second, "arping", "-c", "3", "-w", "10", "-I", p.PeerIf, "198.18.0.2"); err != nil ||
		!strings.Contains(strings.ToUpper(out), strings.ToUpper(macString(tcpboxMAC))) {
		t.Fatalf("arping: %v\n%s\n%s", err, out, errOut)
	}
	for _, c := range []struct {
		n    int
		args []string
	}{
		{100, []string{"-c", "100", "-s", "1472", "-i", "0.01", "-W", "5", "198.18.0.2"}},
		{20, []string{"-c", "20", "-s", "4000", "-i", "0.01", "-W", "5", "198.18.0.2"}},
		// The largest echo there is: 45 fragments each way.
		{3, []string{"-c", "3", "-s", "65507", "-i", "0.2", "-W", "5", "198.18.0.2"}},
	} {
		sent, recv, out := ping(t, p.Peer, c.args...)
		if sent != c.n || recv != c.n || strings.Contains(out, "DUP") {
			t.Fatalf("ping %v: %d/%d\n%s", c.args, recv, sent, out)
		}
		t.Logf("ping %s: %d/%d replies", strings.Join(c.args, " "), recv, sent)
	}
	wd, _ := os.Getwd()
	out, errOut, err := p.Peer.Output(30*time.Second, "python3", filepath.Join(wd, "testdata", "udp_client.py"))
	if err != nil || !strings.Contains(out, `received "This is the message. It will be repeated"`) {
		t.Fatalf("python UDP client: %v\n%s\n%s", err, out, errOut)
	}
	// UDP echo of datagrams that are fragmented both ways.
	script := `import socket,sys
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)
s.settimeout(5)
for n in (1, 1472, 1473, 8000, 65507):
    m=bytes((i*7)&255 for i in range(n))
    s.sendto(m,('198.18.0.2',7))
    d,a=s.recvfrom(70000)
    assert d==m and a==('198.18.0.2',7), (n, len(d), a)
print('ok')`
	if out, errOut, err := p.Peer.Output(60*time.Second, "python3", "-c", script); err != nil || strings.TrimSpace(out) != "ok" {
		t.Fatalf("fragmented UDP echo: %v\n%s\n%s", err, out, errOut)
	}
	// A TCP connection attempt: answered by tcpbox (RST or handshake),
	// never by the kernel.
	p.Peer.Output(10*time.Second, "nc", "-z", "-w", "2", "198.18.0.2", "80")

	stop()
	peerCap.stop()

	// 3. The kernel never answered for tcpbox's address: no ARP reply,
	// ICMP or TCP RST from the DUT kernel's MAC in the whole run.
	kernelMAC := macString(dutIfi)
	if lines := tsharkFields(t, peerCap.file,
		fmt.Sprintf("eth.src == %s && (arp.opcode == 2 || icmp || tcp.flags.reset == 1 || ip.src == 198.18.0.2)", kernelMAC),
		"frame.number", "_ws.col.Info"); len(lines) > 0 {
		t.Errorf("the DUT kernel answered:\n%s", strings.Join(lines, "\n"))
	}
	if lines := tsharkFields(t, peerCap.file, fmt.Sprintf("eth.src == %s && icmp.type == 0", macString(tcpboxMAC)), "frame.number"); len(lines) < 100 {
		// 123 replies were sent; tshark may miss a few frames of a 45-frame
		// burst on a loaded machine. This only proves that the capture and
		// the filter above see tcpbox's frames at all.
		t.Errorf("peer capture: %d echo reply frames from tcpbox, want most of 123", len(lines))
	}

	// 4. tcpbox's own capture through nic/pcap: no malformed frames and no
	// bad checksums, judged by tshark.
	if lines := tsharkFields(t, pcapFile, "_ws.malformed || _ws.expert.severity >= error", "frame.number", "_ws.col.Info"); len(lines) > 0 {
		t.Errorf("tshark flags frames in tcpbox's pcap:\n%s", strings.Join(lines, "\n"))
	}
	all := tsharkFields(t, pcapFile, "frame", "frame.number")
	// 100 + 20 x 3 + 3 x 45 fragments of echo requests, as many replies,
	// ARP.
	if len(all) < 590 {
		t.Errorf("tcpbox's pcap holds %d frames, want the whole run (>= 590)", len(all))
	}
	t.Logf("tcpbox pcap: %d frames, none malformed or with a bad checksum", len(all))
}

func mustPrefix(s string) netipPrefix { return mustParsePrefix(s) }

// dutInterface returns the MAC of the DUT's veth (the kernel's).
func dutInterface(t *testing.T, p *testbed.Pair) [6]byte {
	out := p.DUT.MustRun(t, "cat", "/sys/class/net/"+p.DUTIf+"/address")
	hw, err := net.ParseMAC(strings.TrimSpace(out))
	if err != nil {
		t.Fatal(err)
	}
	return [6]byte(hw)
}
