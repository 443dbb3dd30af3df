package appliance

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/hack/testbed"
)

// The program itself, as a user runs it: built, started with `ip netns
// exec` on the DUT side (offloads on, so partial checksums arrive through
// PACKET_VNET_HDR), answering the kernel's ping and the Python UDP client,
// logging its state changes, and exiting 0 on SIGTERM.
func TestProgramSIGTERM(t *testing.T) {
	testbed.Require(t, "ping", "python3", "go")
	p := testbed.NewPair(t, testbed.PairOptions{Offloads: true})
	bin := filepath.Join(t.TempDir(), "tcpbox")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/tcpbox").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	cmd := p.DUT.Cmd(ctx, bin, "-iface", p.DUTIf, "-addr", "198.18.0.2/24", "-gw", "198.18.0.1", "-state", t.TempDir())
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			select {
			case ready <- sc.Text():
			default:
			}
		}
	}()
	select {
	case l := <-ready:
		if l != "tcpbox: ready 198.18.0.2 on "+p.DUTIf {
			t.Fatalf("ready line %q", l)
		}
	case err := <-exited:
		t.Fatalf("tcpbox exited early: %v\n%s", err, stderr.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("no ready line\n%s", stderr.String())
	}
	if _, recv, out := ping(t, p.Peer, "-c", "10", "-s", "4000", "-i", "0.01", "-W", "5", "198.18.0.2"); recv != 10 {
		t.Fatalf("ping with offloads on:\n%s", out)
	}
	wd, _ := os.Getwd()
	if out, errOut, err := p.Peer.Output(30*time.Second, "python3", filepath.Join(wd, "testdata", "udp_client.py")); err != nil ||
		!strings.Contains(out, `received "This is the message. It will be repeated"`) {
		t.Fatalf("python UDP client with offloads on: %v\n%s\n%s", err, out, errOut)
	}
	// `ip netns exec` execs the program, so this PID is tcpbox's own.
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("tcpbox did not exit on SIGTERM\n%s", stderr.String())
	}
	log := stderr.String()
	t.Logf("tcpbox log:\n%s", log)
	for _, want := range []string{"msg=\"link up\"", "msg=address", "udp-echo", "msg=stopping", "msg=stopped"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %s:\n%s", want, log)
		}
	}
}
