package main

import (
	"bytes"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/hack/testbed"
)

// TestCommand builds the command, runs it between two kernels' veths,
// pings across it and checks that SIGINT makes it print its counters and
// exit cleanly.
func TestCommand(t *testing.T) {
	testbed.Require(t, "ping", "go")
	bin := filepath.Join(t.TempDir(), "bridge")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	a, b, m := testbed.NewNS(t, "a"), testbed.NewNS(t, "b"), testbed.NewNS(t, "m")
	testbed.Veth(t, a, "veth0", m, "va", 1500)
	testbed.Veth(t, b, "veth0", m, "vb", 1500)
	m.Quiet(t, "va")
	m.Quiet(t, "vb")
	for i, ns := range []*testbed.NS{a, b} {
		ns.MustRun(t, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1")
		ns.MustRun(t, "ip", "addr", "add", fmt.Sprintf("198.18.2.%d/24", i+1), "dev", "veth0")
	}
	cmd := exec.Command("ip", "netns", "exec", m.Name, bin, "-a", "va", "-b", "vb", "-delay", "5ms", "-seed", "3")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	waited := false
	defer func() {
		if !waited {
			cmd.Process.Kill() // the process this test started, by its PID
			<-exited
		}
	}()
	// The bridge needs a moment to open its sockets: retry a few pings.
	ok := false
	for i := 0; i < 20 && !ok; i++ {
		_, _, err := a.Output(10*time.Second, "ping", "-n", "-q", "-c", "1", "-W", "1", "198.18.2.2")
		ok = err == nil
	}
	if !ok {
		t.Fatalf("no ping crossed the bridge\n%s", stderr.String())
	}
	// ip netns exec runs the bridge as its child; signal that process
	// group's leader, which passes SIGINT on by exec (same PID).
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		waited = true
		if err != nil {
			t.Fatalf("exit: %v\n%s", err, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no exit after SIGINT")
	}
	out := stdout.String()
	for _, want := range []string{"A->B: offered", "B->A: offered", "delayed", "port A: rx"} {
		if !strings.Contains(out, want) {
			t.Fatalf("counters lack %q:\n%s\n%s", want, out, stderr.String())
		}
	}
	t.Logf("%s", out)
}
