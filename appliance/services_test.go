package appliance

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/config"
	"github.com/tcpbox/tcpbox/nic/memlink"
	"github.com/tcpbox/tcpbox/services/fileproto"
	"github.com/tcpbox/tcpbox/stack"
)

// svcBed is the services of one stack on a memlink, with a second stack
// as their client: the wiring of appliance/services.go without a NIC.
type svcBed struct {
	ss       *services
	cli      *stack.Stack
	filesDir string
	cfg      config.Config
}

const svcIOTimeout = 30 * time.Second // generous: a loaded 2-core machine

// newSvcBed starts the services enabled in c (the others are disabled by
// the caller) on 198.18.0.2, with the client stack on 198.18.0.1.
func newSvcBed(t *testing.T, c config.Config) *svcBed {
	t.Helper()
	a, b := memlink.Pair(1500, [6]byte{2, 0, 0, 0, 0, 2}, [6]byte{2, 0, 0, 0, 0, 1})
	dut, err := stack.New(a, stack.Options{Addr: netip.MustParsePrefix("198.18.0.2/24")})
	if err != nil {
		t.Fatal(err)
	}
	cli, err := stack.New(b, stack.Options{Addr: netip.MustParsePrefix("198.18.0.1/24")})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	sb := &svcBed{cli: cli, filesDir: t.TempDir(), cfg: c}
	sb.ss = newServices(ctx, slogDiscard(), dut, sb.filesDir, newServiceCounters())
	if err := sb.ss.startAll(&c); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sb.ss.stopAll()
		cancel()
		cli.Close()
		dut.Close()
	})
	return sb
}

// only returns the defaults with just the named services enabled.
func only(names ...string) config.Config {
	c := config.Defaults()
	for n, s := range c.ServiceMap() {
		s.Enabled = false
		for _, m := range names {
			if n == m {
				s.Enabled = true
			}
		}
	}
	return c
}

// apply makes next the running configuration, as the admin page does.
func (sb *svcBed) apply(t *testing.T, next config.Config) {
	t.Helper()
	if err := sb.ss.apply(&sb.cfg, &next); err != nil {
		t.Fatal(err)
	}
	sb.cfg = next
}

func (sb *svcBed) dial(t *testing.T, port int) net.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), svcIOTimeout)
	defer cancel()
	c, err := sb.cli.DialContext(ctx, "tcp", fmt.Sprintf("198.18.0.2:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(svcIOTimeout))
	return c
}

// http sends one request to the HTTP file service, with size bytes of
// body, and returns the status.
func (sb *svcBed) http(t *testing.T, method, name string, size int) int {
	t.Helper()
	hc := &http.Client{Timeout: svcIOTimeout, Transport: &http.Transport{DialContext: sb.cli.DialContext}}
	defer hc.CloseIdleConnections()
	req, _ := http.NewRequest(method, "http://198.18.0.2/files/"+name, bytes.NewReader(make([]byte, size)))
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// framedPut uploads size bytes as name with the framed file protocol.
func (sb *svcBed) framedPut(t *testing.T, name string, size int) error {
	t.Helper()
	c := fileproto.NewClient(sb.dial(t, fileproto.Port))
	defer c.Close()
	_, err := c.Put(name, bytes.NewReader(make([]byte, size)), int64(size), false, nil)
	return err
}

func (sb *svcBed) files(t *testing.T) []string {
	t.Helper()
	d, err := os.Open(sb.filesDir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	names, err := d.Readdirnames(-1) // temporary and partial files too
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(names)
	return names
}

// The HTTP file service and the framed file protocol store into one
// directory with one account of what it holds: an upload through one
// counts against the other's quota, also after a config change re-created
// one of them, and a refused upload leaves nothing on disk.
func TestServiceFilesShareQuota(t *testing.T) {
	const quota = 1 << 20
	c := only("http_file", "framed_file")
	c.Services.HTTPFile.Quota, c.Services.FramedFile.Quota = quota, quota
	sb := newSvcBed(t, c)

	if code := sb.http(t, http.MethodPut, "a", 700<<10); code != http.StatusCreated && code != http.StatusOK {
		t.Fatalf("HTTP PUT under the quota: %d", code)
	}
	var pe *fileproto.ProtoError
	if err := sb.framedPut(t, "b", 400<<10); !errors.As(err, &pe) || pe.Code != fileproto.CodeQuota {
		t.Fatalf("framed PUT beyond the shared quota: %v", err)
	}
	if got := sb.files(t); len(got) != 1 || got[0] != "a" {
		t.Fatalf("files after the refused framed PUT: %v", got)
	}

	// Re-create the framed file service (a limit change) and the other
	// way round: framed first, then HTTP refused.
	next := config.Clone(&sb.cfg)
	next.Services.FramedFile.MaxConns++
	sb.apply(t, next)
	if err := sb.framedPut(t, "b", 400<<10); !errors.As(err, &pe) || pe.Code != fileproto.CodeQuota {
		t.Fatalf("framed PUT beyond the shared quota after re-creation: %v", err)
	}
	if code := sb.http(t, http.MethodDelete, "a", 0); code != http.StatusNoContent && code != http.StatusOK {
		t.Fatalf("HTTP DELETE: %d", code)
	}
	if err := sb.framedPut(t, "b", 700<<10); err != nil {
		t.Fatalf("framed PUT under the quota: %v", err)
	}
	next = config.Clone(&sb.cfg)
	next.Services.HTTPFile.MaxConns++
	sb.apply(t, next)
	if code := sb.http(t, http.MethodPut, "c", 400<<10); code != http.StatusInsufficientStorage {
		t.Fatalf("HTTP PUT beyond the shared quota: %d, want 507", code)
	}
	if got := sb.files(t); len(got) != 1 || got[0] != "b" {
		t.Fatalf("files after the refused HTTP PUT: %v", got)
	}
}

// counter returns one counter of a service as the admin page and /metrics
// show it.
func (sb *svcBed) counter(name, counter string) uint64 {
	b := &box{}
	b.cur.Store(&instance{svcs: sb.ss})
	for _, si := range b.serviceInfo() {
		if si.Name != name {
			continue
		}
		for _, v := range si.Counters {
			if v.Name == counter {
				return v.Value
			}
		}
	}
	return 0
}

// waitCounter waits until a counter reaches want (the server counts a
// connection's end after the client sees it).
func (sb *svcBed) waitCounter(t *testing.T, name, counter string, want uint64) {
	t.Helper()
	deadline := time.Now().Add(svcIOTimeout)
	for sb.counter(name, counter) != want {
		if time.Now().After(deadline) {
			t.Fatalf("%s %s = %d, want %d", name, counter, sb.counter(name, counter), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// echoOnce sends msg to the TCP echo service and reads it back.
func (sb *svcBed) echoOnce(t *testing.T, msg string) {
	t.Helper()
	c := sb.dial(t, 7)
	defer c.Close()
	if _, err := c.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil || string(got) != msg {
		t.Fatalf("echo %q: %q %v", msg, got, err)
	}
}

// A config change that re-creates a service, or the whole instance, keeps
// the service's counters: they continue from where they were.
func TestServiceCountersSurviveRecreate(t *testing.T) {
	sb := newSvcBed(t, only("tcp_echo"))
	sb.echoOnce(t, "hello")
	sb.waitCounter(t, "tcp_echo", "connections", 1)
	sb.waitCounter(t, "tcp_echo", "bytes_in", 5)

	next := config.Clone(&sb.cfg)
	next.Services.TCPEcho.MaxConns++ // re-creates the service
	sb.apply(t, next)
	if got := sb.counter("tcp_echo", "connections"); got != 1 {
		t.Fatalf("connections after re-creation: %d, want 1", got)
	}
	sb.echoOnce(t, "again")
	sb.waitCounter(t, "tcp_echo", "connections", 2)
	sb.waitCounter(t, "tcp_echo", "bytes_out", 10)

	// A link or address change makes new services on a new stack, with
	// the box's counters.
	counters := sb.ss.counters
	sb.ss.stopAll()
	ss := newServices(context.Background(), slogDiscard(), sb.ss.st, sb.filesDir, counters)
	if err := ss.startAll(&sb.cfg); err != nil {
		t.Fatal(err)
	}
	sb.ss = ss
	sb.waitCounter(t, "tcp_echo", "connections", 2)
	sb.waitCounter(t, "tcp_echo", "bytes_in", 10)
}

// iperf3's listener offers a window scale that can advertise the largest
// -w a test may set, unless the profile's already does or scaling is off.
func TestServiceIperfWindowScale(t *testing.T) {
	p := config.DefaultProfile() // 6 MiB: shift 7, short of iperf3.MaxWindow's 8
	if n := len(iperfWindowScale(&p)); n != 1 {
		t.Fatalf("default profile: %d options, want the window shift", n)
	}
	p.WScaleShift = 14
	if n := len(iperfWindowScale(&p)); n != 0 {
		t.Fatalf("shift 14 already: %d options", n)
	}
	p.WScaleShift, p.WindowScaling = -1, false
	if n := len(iperfWindowScale(&p)); n != 0 {
		t.Fatalf("scaling off: %d options", n)
	}
}
