package appliance

import (
	"bufio"
	"context"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/hack/testbed"
	"github.com/tcpbox/tcpbox/nic"
)

// What the appliance tests share to start tcpbox: Run in-process with its
// link opened inside a namespace, or the built program as a child process
// in one. Each waits with generous timeouts (a loaded 2-core machine) and
// ends what it started when the test ends.

// openIn returns an OpenLink that opens the AF_PACKET link inside ns, so
// that Run in the test process drives the namespace's interface.
func openIn(ns *testbed.NS) func(string, [6]byte, time.Duration) (nic.Link, error) {
	return func(iface string, mac [6]byte, busy time.Duration) (nic.Link, error) {
		var l nic.Link
		err := ns.Do(func() error {
			var err error
			l, err = OpenAFPacket(iface, mac, busy)
			return err
		})
		return l, err
	}
}

// inProcess is Run going on in a goroutine of the test.
type inProcess struct {
	t      *testing.T
	cancel context.CancelFunc
	ended  chan struct{} // closed when Run returned, with err set
	err    error
	once   sync.Once
}

// startRun starts Run(cfg); the test ends it with stop, or cleanup does.
func startRun(t *testing.T, cfg Config) *inProcess {
	ctx, cancel := context.WithCancel(context.Background())
	r := &inProcess{t: t, cancel: cancel, ended: make(chan struct{})}
	go func() { r.err = Run(ctx, cfg); close(r.ended) }()
	t.Cleanup(r.stop)
	return r
}

// endedEarly fails the test: Run returned before it was ready.
func (r *inProcess) endedEarly() {
	r.t.Helper()
	r.once.Do(r.cancel)
	r.t.Fatalf("Run ended before ready: %v", r.err)
}

// stop cancels Run and checks it returned nil within 30 s; later calls do
// nothing.
func (r *inProcess) stop() {
	r.once.Do(func() {
		r.cancel()
		select {
		case <-r.ended:
			if r.err != nil {
				r.t.Errorf("Run: %v", r.err)
			}
		case <-time.After(30 * time.Second):
			r.t.Error("Run did not return within 30 s of cancel")
		}
	})
}

// program is the built tcpbox running as a child process in a namespace.
type program struct {
	t       *testing.T
	Stderr  *syncBuffer
	exited  chan error
	sigterm func() error
}

// startProgram starts bin with args in ns (`ip netns exec` execs it, so
// the child's PID is tcpbox's own) and returns once it has printed n
// lines on stdout, which it returns. The process is killed, by its PID,
// if it still runs when the test ends.
func startProgram(t *testing.T, ns *testbed.NS, n int, bin string, args ...string) (*program, []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	cmd := ns.Cmd(ctx, bin, args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	p := &program{t: t, Stderr: &syncBuffer{}, exited: make(chan error, 1)}
	cmd.Stderr = p.Stderr
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	ended := make(chan struct{})
	go func() { err := cmd.Wait(); close(ended); p.exited <- err }()
	t.Cleanup(func() {
		select {
		case <-ended:
		default:
			cmd.Process.Kill() // our own child, by its PID
			<-ended
		}
		cancel()
	})
	p.sigterm = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	lines := make(chan string, 8)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
	}()
	var got []string
	for len(got) < n {
		select {
		case l := <-lines:
			got = append(got, l)
		case err := <-p.exited:
			t.Fatalf("tcpbox exited early: %v\n%s", err, p.Stderr.String())
		case <-time.After(60 * time.Second):
			t.Fatalf("ready lines %q within 60 s, want %d\n%s", got, n, p.Stderr.String())
		}
	}
	return p, got
}

// Terminate sends SIGTERM and checks that the program exits 0 within
// 30 s.
func (p *program) Terminate() {
	p.t.Helper()
	if err := p.sigterm(); err != nil {
		p.t.Fatal(err)
	}
	select {
	case err := <-p.exited:
		if err != nil {
			p.t.Fatalf("exit after SIGTERM: %v\n%s", err, p.Stderr.String())
		}
	case <-time.After(30 * time.Second):
		p.t.Fatalf("no exit within 30 s of SIGTERM\n%s", p.Stderr.String())
	}
}

// syncBuffer is a strings.Builder safe to read while a process writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
