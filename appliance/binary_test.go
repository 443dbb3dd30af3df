package appliance

import (
	"os"
	"path/filepath"
	"strings"
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
	bin := tcpboxBinary(t)
	prog, lines := startProgram(t, p.DUT, 1, bin, "-iface", p.DUTIf, "-addr", "198.18.0.2/24", "-gw", "198.18.0.1", "-state", t.TempDir())
	if lines[0] != "tcpbox: ready 198.18.0.2 on "+p.DUTIf {
		t.Fatalf("ready line %q", lines[0])
	}
	if _, recv, out := ping(t, p.Peer, "-c", "10", "-s", "4000", "-i", "0.01", "-W", "5", "198.18.0.2"); recv != 10 {
		t.Fatalf("ping with offloads on:\n%s", out)
	}
	wd, _ := os.Getwd()
	if out, errOut, err := p.Peer.Output(30*time.Second, "python3", filepath.Join(wd, "testdata", "udp_client.py")); err != nil ||
		!strings.Contains(out, `received "This is the message. It will be repeated"`) {
		t.Fatalf("python UDP client with offloads on: %v\n%s\n%s", err, out, errOut)
	}
	prog.Terminate()
	log := prog.Stderr.String()
	t.Logf("tcpbox log:\n%s", log)
	for _, want := range []string{"msg=\"link up\"", "msg=address", "udp-echo", "msg=stopping", "msg=stopped"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %s:\n%s", want, log)
		}
	}
}
