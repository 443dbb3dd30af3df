package testbed

import (
	"net"
	"strings"
	"testing"
	"time"
)

// TestPairIsolated checks that a Pair's peer namespace has its address and
// that a socket made in the peer namespace through Do lives there.
func TestPairIsolated(t *testing.T) {
	Require(t, "ethtool")
	p := NewPair(t, PairOptions{})
	out := p.Peer.MustRun(t, "ip", "-4", "addr", "show", "dev", p.PeerIf)
	if !strings.Contains(out, PeerPrefix.String()) {
		t.Fatalf("peer address missing:\n%s", out)
	}
	if out := p.DUT.MustRun(t, "ip", "-4", "addr", "show", "dev", p.DUTIf); strings.Contains(out, "inet ") {
		t.Fatalf("DUT interface holds a kernel address:\n%s", out)
	}
	var ln net.Listener
	if err := p.Peer.Do(func() (err error) {
		ln, err = net.Listen("tcp", PeerPrefix.Addr().String()+":0")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	// The address exists only in the peer namespace, so a listener on it
	// proves Do switched namespaces.
	if _, _, err := p.Peer.Output(5*time.Second, "true"); err != nil {
		t.Fatal(err)
	}
}
