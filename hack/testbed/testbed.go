// Package testbed builds throwaway network testbeds for tests: network
// namespaces joined by veth pairs, with addresses from 198.18.0.0/15 (the
// range RFC 2544 reserves for benchmarking) and nothing else. Every
// namespace a test makes is deleted by t.Cleanup, and with it every veth
// inside.
//
// Tests that need root call Require first: on a laptop without root it
// skips, but under CI (CI=true) a missing privilege or tool fails the test,
// so a CI run can never pass by skipping.
package testbed

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Default addresses of a Pair: the kernel peer and tcpbox (the DUT).
var (
	PeerPrefix = netip.MustParsePrefix("198.18.0.1/24")
	DUTPrefix  = netip.MustParsePrefix("198.18.0.2/24")
)

// CI reports whether this run is under CI, where nothing may be skipped.
func CI() bool { return os.Getenv("CI") == "true" }

// Require checks for root and the named tools. Without them the test is
// skipped, or failed under CI.
func Require(t testing.TB, tools ...string) {
	t.Helper()
	var missing []string
	if os.Geteuid() != 0 {
		missing = append(missing, "root")
	}
	skipOrFail(t, append(missing, missingTools(append([]string{"ip"}, tools...))...))
}

// Run runs a command and returns its combined output, failing the test on
// error.
func Run(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// NS is a network namespace made for one test.
type NS struct {
	Name string
}

func uniq() string {
	var b [3]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// NewNS makes a namespace with loopback up; t.Cleanup deletes it.
func NewNS(t testing.TB, tag string) *NS {
	t.Helper()
	name := "tb" + tag + uniq()
	if len(name) > 15 {
		name = name[:15]
	}
	Run(t, "ip", "netns", "add", name)
	t.Cleanup(func() {
		// Deleting the namespace deletes the veths inside it.
		exec.Command("ip", "netns", "del", name).Run()
	})
	ns := &NS{Name: name}
	ns.MustRun(t, "ip", "link", "set", "lo", "up")
	return ns
}

// Cmd returns a command that runs inside the namespace.
func (ns *NS) Cmd(ctx context.Context, name string, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", ns.Name, name}, args...)...)
}

// MustRun runs a command inside the namespace and returns its combined
// output, failing the test on error.
func (ns *NS) MustRun(t testing.TB, name string, args ...string) string {
	t.Helper()
	return Run(t, "ip", append([]string{"netns", "exec", ns.Name, name}, args...)...)
}

// Output runs a command in the namespace with a timeout and returns its
// stdout, stderr and error without failing the test.
func (ns *NS) Output(timeout time.Duration, name string, args ...string) (stdout, stderr string, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := ns.Cmd(ctx, name, args...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}

// Do runs fn on an OS thread switched into the namespace, so that sockets
// fn creates (AF_PACKET, TCP, UDP) belong to it. A socket keeps its
// namespace after Do returns.
func (ns *NS) Do(fn func() error) error {
	runtime.LockOSThread()
	orig, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("testbed: open own netns: %w", err)
	}
	defer unix.Close(orig)
	target, err := unix.Open("/var/run/netns/"+ns.Name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("testbed: open netns %s: %w", ns.Name, err)
	}
	defer unix.Close(target)
	if err := unix.Setns(target, unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("testbed: setns %s: %w", ns.Name, err)
	}
	ferr := fn()
	if err := unix.Setns(orig, unix.CLONE_NEWNET); err != nil {
		// The thread is stuck in the wrong namespace: keep it locked so
		// the runtime retires it instead of reusing it.
		return fmt.Errorf("testbed: setns back: %w", err)
	}
	runtime.UnlockOSThread()
	return ferr
}

// Veth joins namespace a (interface ifa) to namespace b (interface ifb)
// with a veth pair of the given MTU, both ends up, no addresses.
func Veth(t testing.TB, a *NS, ifa string, b *NS, ifb string, mtu int) {
	t.Helper()
	tmpA, tmpB := "tbva"+uniq(), "tbvb"+uniq()
	Run(t, "ip", "link", "add", tmpA, "mtu", fmt.Sprint(mtu), "type", "veth", "peer", "name", tmpB, "mtu", fmt.Sprint(mtu))
	Run(t, "ip", "link", "set", tmpA, "netns", a.Name, "name", ifa)
	Run(t, "ip", "link", "set", tmpB, "netns", b.Name, "name", ifb)
	a.MustRun(t, "ip", "link", "set", ifa, "up")
	b.MustRun(t, "ip", "link", "set", ifb, "up")
}

// Quiet keeps the kernel of a namespace off an interface that tcpbox owns:
// no IPv6 (so no autoconfiguration, router or neighbour solicitations) and
// no IPv4 address, so the kernel never answers for tcpbox's address.
func (ns *NS) Quiet(t testing.TB, ifname string) {
	t.Helper()
	ns.MustRun(t, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1")
	ns.MustRun(t, "sysctl", "-q", "-w", "net.ipv6.conf."+ifname+".disable_ipv6=1")
	ns.MustRun(t, "sysctl", "-q", "-w", "net.ipv4.conf."+ifname+".arp_ignore=8")
}

// Offloads turns the checksum and segmentation offloads of an interface on
// or off with ethtool.
func (ns *NS) Offloads(t testing.TB, ifname string, on bool) {
	t.Helper()
	v := "off"
	if on {
		v = "on"
	}
	ns.MustRun(t, "ethtool", "-K", ifname, "rx", v, "tx", v, "tso", v, "gso", v, "gro", v)
}

// Pair is the standard interop testbed: the Linux kernel in namespace Peer
// with PeerPrefix on PeerIf, joined by a veth to namespace DUT whose
// interface DUTIf carries no kernel address; tcpbox takes DUTPrefix there
// through AF_PACKET.
type Pair struct {
	Peer, DUT     *NS
	PeerIf, DUTIf string
}

// PairOptions configure NewPair.
type PairOptions struct {
	MTU      int  // default 1500
	Offloads bool // leave checksum/segmentation offloads on (default off)
}

// NewPair builds a Pair. The caller must have called Require.
func NewPair(t testing.TB, o PairOptions) *Pair {
	t.Helper()
	if o.MTU == 0 {
		o.MTU = 1500
	}
	p := &Pair{Peer: NewNS(t, "p"), DUT: NewNS(t, "d"), PeerIf: "veth0", DUTIf: "veth0"}
	Veth(t, p.Peer, p.PeerIf, p.DUT, p.DUTIf, o.MTU)
	p.DUT.Quiet(t, p.DUTIf)
	p.Peer.MustRun(t, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1")
	p.Peer.MustRun(t, "ip", "addr", "add", PeerPrefix.String(), "dev", p.PeerIf)
	if !o.Offloads {
		if _, err := exec.LookPath("ethtool"); err == nil {
			p.Peer.Offloads(t, p.PeerIf, false)
			p.DUT.Offloads(t, p.DUTIf, false)
		} else if CI() {
			t.Fatal("testbed: ethtool missing")
		}
	}
	return p
}

// NewKernelPair joins two namespaces by a veth (eth0 on each, MTU 1500)
// and gives the kernel an address on both ends: the server side holds
// DUTPrefix (198.18.0.2/24), the client side PeerPrefix (198.18.0.1/24).
// It is for testing services on the kernel's own stack across a real
// link; tcpbox's stack uses NewPair instead. The caller must have called
// Require.
func NewKernelPair(t testing.TB, tag string) (srv, cli *NS) {
	t.Helper()
	srv, cli = NewNS(t, tag+"s"), NewNS(t, tag+"c")
	Veth(t, srv, "eth0", cli, "eth0", 1500)
	srv.MustRun(t, "ip", "addr", "add", DUTPrefix.String(), "dev", "eth0")
	cli.MustRun(t, "ip", "addr", "add", PeerPrefix.String(), "dev", "eth0")
	return srv, cli
}
