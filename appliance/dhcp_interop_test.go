package appliance

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/hack/testbed"
	"github.com/tcpbox/tcpbox/stack/dhcp"
)

// tcpbox -dhcp against a DHCP server in the peer namespace (a scripted
// Python server: Debian's dnsmasq is not installed here), over AF_PACKET:
// the discover from 0.0.0.0, the offer and ack by broadcast, the ready
// line with the leased address, echo on it, and the release at shutdown.
func TestDHCPWithKernelPeer(t *testing.T) {
	testbed.Require(t, "python3", "ping")
	p := testbed.NewPair(t, testbed.PairOptions{})
	wd, _ := os.Getwd()
	ctx, cancel := context.WithCancel(context.Background())
	srv := p.Peer.Cmd(ctx, "python3", "-u", filepath.Join(wd, "testdata", "dhcp_server.py"), p.PeerIf, "4")
	out, err := srv.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	srv.Stderr = os.Stderr
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cancel()
		srv.Wait()
	}()
	lines := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	expect := func(prefix string) string {
		t.Helper()
		deadline := time.After(30 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("server ended before %q", prefix)
				}
				if strings.HasPrefix(l, prefix) {
					return l
				}
			case <-deadline:
				t.Fatalf("server never saw %q", prefix)
			}
		}
	}
	expect("listening")

	state := t.TempDir()
	stop := runTCPBox(t, p, Config{DHCP: true, MAC: tcpboxMAC, StateDir: state})
	d := expect("DISCOVER from 0.0.0.0:68")
	// Our own client identifier, never the kernel's type-1 MAC form.
	wantID := strings.ToLower(hexString(dhcp.DefaultClientID(tcpboxMAC)))
	if !strings.Contains(d, "client-id "+wantID) {
		t.Fatalf("discover %q, want client id %s", d, wantID)
	}
	expect("REQUEST from 0.0.0.0:68")
	if _, recv, outp := ping(t, p.Peer, "-c", "3", "-i", "0.2", "-W", "5", "198.18.0.50"); recv != 3 {
		t.Fatalf("ping the leased address:\n%s", outp)
	}
	// The lease is 4 s: at T1 (2 s) the client renews by unicast from its
	// address, and the server's unicast ACK keeps it bound.
	expect("REQUEST from 198.18.0.50:68")
	if _, recv, outp := ping(t, p.Peer, "-c", "2", "-i", "0.2", "-W", "5", "198.18.0.50"); recv != 2 {
		t.Fatalf("ping after renewal:\n%s", outp)
	}
	stop()
	expect("RELEASE from 198.18.0.50:68")

	// A restart with the same state directory asks to keep the address
	// (INIT-REBOOT: a REQUEST first, no DISCOVER).
	stop = runTCPBox(t, p, Config{DHCP: true, MAC: tcpboxMAC, StateDir: state})
	select {
	case l := <-lines:
		if !strings.HasPrefix(l, "REQUEST from 0.0.0.0:68") {
			t.Fatalf("after restart the server saw %q, want an INIT-REBOOT REQUEST", l)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("nothing after restart")
	}
	if _, recv, outp := ping(t, p.Peer, "-c", "2", "-i", "0.2", "-W", "5", "198.18.0.50"); recv != 2 {
		t.Fatalf("ping after restart:\n%s", outp)
	}
	stop()
}

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}
