// Package svctest runs a service under test: on a loopback listener or
// socket, or on one a test made inside a network namespace, with Serve in
// its own goroutine that the test's cleanup cancels and waits for. It is
// the one copy of what every service's tests did by hand. It is for tests
// only, and knows nothing of any one service.
package svctest

import (
	"context"
	"net"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/hack/testbed"
	"github.com/tcpbox/tcpbox/services/store"
)

// IOTimeout bounds a test's reads, writes and waits: generous, for a
// loaded 2-core machine.
const IOTimeout = 30 * time.Second

// Run runs fn (a service's Serve on its listener) until stop is called or
// the test ends. stop cancels fn's context and waits for it to return (at
// most IOTimeout); a non-nil error from fn fails the test. stop may be
// called more than once.
func Run(t testing.TB, fn func(context.Context) error) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- fn(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Serve: %v", err)
				}
			case <-time.After(IOTimeout):
				t.Error("Serve did not return")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// TCP serves on a new loopback TCP listener and returns its address.
func TCP(t testing.TB, serve func(context.Context, net.Listener) error) (addr string, stop func()) {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln.Addr().String(), Run(t, func(ctx context.Context) error { return serve(ctx, ln) })
}

// UDP serves on a new loopback UDP socket and returns its address.
func UDP(t testing.TB, serve func(context.Context, net.PacketConn) error) (addr string, stop func()) {
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return pc.LocalAddr().String(), Run(t, func(ctx context.Context) error { return serve(ctx, pc) })
}

// Dial connects to addr with IOTimeout as its deadline; the connection
// closes when the test ends.
func Dial(t testing.TB, network, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout(network, addr, IOTimeout)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(IOTimeout))
	t.Cleanup(func() { c.Close() })
	return c
}

// ListenIn opens a TCP listener on addr inside the namespace ns.
func ListenIn(t testing.TB, ns *testbed.NS, addr string) net.Listener {
	t.Helper()
	var ln net.Listener
	if err := ns.Do(func() (err error) { ln, err = net.Listen("tcp4", addr); return }); err != nil {
		t.Fatal(err)
	}
	return ln
}

// NeedTool skips the test without the named program on PATH, except under
// CI (CI=true), where a missing tool fails it. Unlike testbed.Require it
// does not ask for root.
func NeedTool(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if testbed.CI() {
			t.Fatalf("%s not installed (CI=true: a missing tool is a failure)", name)
		}
		t.Skipf("%s not installed", name)
	}
}

// Store opens a store with the given quota in a new temporary directory,
// closed when the test ends, and returns it with the directory.
func Store(t testing.TB, quota int64) (*store.Store, string) {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(dir, quota)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, dir
}
