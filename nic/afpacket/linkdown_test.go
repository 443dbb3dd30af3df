//go:build linux

package afpacket

import (
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/hack/testbed"
	"github.com/tcpbox/tcpbox/nic"
)

// TestInterfaceComingUp opens a Link on an interface that is down: sends
// are dropped and counted instead of failing, the reader survives the
// ENETDOWN the socket reports, and frames flow once the interface is up.
func TestInterfaceComingUp(t *testing.T) {
	testbed.Require(t, "ethtool")
	a, b := testbed.NewNS(t, "a"), testbed.NewNS(t, "b")
	testbed.Veth(t, a, "veth0", b, "veth0", 1500)
	a.Quiet(t, "veth0")
	b.Quiet(t, "veth0")
	b.MustRun(t, "ip", "link", "set", "veth0", "down")
	lb := openIn(t, b, "veth0", Options{})
	la := openIn(t, a, "veth0", Options{})

	n, err := lb.WriteBatch([]nic.Frame{{Data: testFrame(la.MAC(), lb.MAC(), 1, 60)}})
	if n != 1 || err != nil {
		t.Fatalf("WriteBatch on a down interface = %d, %v; want 1, nil", n, err)
	}
	if s := lb.Stats(); s.TxDropped != 1 {
		t.Fatalf("TxDropped = %d, want 1", s.TxDropped)
	}
	got := make(chan [][]byte, 1)
	go func() { got <- collect(t, lb, 1, 20*time.Second) }()
	b.MustRun(t, "ip", "link", "set", "veth0", "up")
	// The veth carrier comes up shortly after; resend until a frame
	// gets through (bounded).
	var recv [][]byte
	for i := 0; i < 200 && recv == nil; i++ {
		send(t, la, testFrame(lb.MAC(), la.MAC(), 2, 60))
		select {
		case recv = <-got:
		case <-time.After(50 * time.Millisecond):
		}
	}
	if len(recv) != 1 {
		t.Fatalf("no frame after the interface came up (stats %+v)", lb.Stats())
	}
}

// TestWaitUp opens a Link on an interface that appears later.
func TestWaitUp(t *testing.T) {
	testbed.Require(t)
	ns := testbed.NewNS(t, "w")
	errc := make(chan error, 1)
	go func() {
		time.Sleep(100 * time.Millisecond)
		_, _, err := ns.Output(10*time.Second, "ip", "link", "add", "late0", "type", "veth", "peer", "name", "late1")
		errc <- err
	}()
	var l *Link
	var logged int
	err := ns.Do(func() (err error) {
		l, err = Open("late0", Options{WaitUp: 20 * time.Second, Logf: func(string, ...any) { logged++ }})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if logged == 0 {
		t.Fatal("Open did not wait (no retry logged)")
	}
	// Without WaitUp a missing interface fails at once.
	err = ns.Do(func() error {
		_, err := Open("nosuch0", Options{})
		return err
	})
	if err == nil {
		t.Fatal("Open of a missing interface succeeded")
	}
}
