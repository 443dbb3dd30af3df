//go:build linux

package bridge

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/hack/testbed"
	"github.com/tcpbox/tcpbox/nic/impair"
)

// kernels is the kernel-to-kernel testbed: namespace A (198.18.1.1/24)
// and namespace B (198.18.1.2/24), each with a veth into namespace M,
// where a Bridge joins the two veths.
type kernels struct {
	a, b, m *testbed.NS
	br      *Bridge
}

func newKernels(t *testing.T, c Config, offloads bool) *kernels {
	t.Helper()
	testbed.Require(t, "ethtool", "ping")
	k := &kernels{a: testbed.NewNS(t, "a"), b: testbed.NewNS(t, "b"), m: testbed.NewNS(t, "m")}
	testbed.Veth(t, k.a, "veth0", k.m, "va", 1500)
	testbed.Veth(t, k.b, "veth0", k.m, "vb", 1500)
	k.m.Quiet(t, "va")
	k.m.Quiet(t, "vb")
	macs := map[string]string{}
	for i, ns := range []*testbed.NS{k.a, k.b} {
		ns.MustRun(t, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1")
		ns.MustRun(t, "ip", "addr", "add", fmt.Sprintf("198.18.1.%d/24", i+1), "dev", "veth0")
		ns.Offloads(t, "veth0", offloads)
		out := ns.MustRun(t, "cat", "/sys/class/net/veth0/address")
		macs[ns.Name] = string(bytes.TrimSpace([]byte(out)))
	}
	// Static neighbours: the impairment then hits only the test's own
	// traffic, not ARP.
	k.a.MustRun(t, "ip", "neigh", "replace", "198.18.1.2", "lladdr", macs[k.b.Name], "dev", "veth0", "nud", "permanent")
	k.b.MustRun(t, "ip", "neigh", "replace", "198.18.1.1", "lladdr", macs[k.a.Name], "dev", "veth0", "nud", "permanent")
	c.A, c.B = "va", "vb"
	if err := k.m.Do(func() (err error) {
		k.br, err = Open(c, t.Logf)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		t.Logf("bridge counters:\n%v", k.br.Stats())
		k.br.Close()
	})
	return k
}

var received = regexp.MustCompile(`(\d+) packets transmitted, (\d+) received`)

// ping runs count pings from A to B and returns how many were answered.
func (k *kernels) ping(t *testing.T, count int, args ...string) (int, string) {
	t.Helper()
	all := append([]string{"-n", "-q", "-c", strconv.Itoa(count), "-i", "0.01", "-W", "2"}, args...)
	all = append(all, "198.18.1.2")
	out, _, _ := k.a.Output(time.Duration(count)*100*time.Millisecond+30*time.Second, "ping", all...)
	m := received.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("ping output:\n%s", out)
	}
	n, _ := strconv.Atoi(m[2])
	return n, out
}

func TestPingCrosses(t *testing.T) {
	k := newKernels(t, Config{Seed: 1}, false)
	if n, out := k.ping(t, 20); n != 20 {
		t.Fatalf("%d of 20 pings answered:\n%s", n, out)
	}
}

// TestPingLoss: 10% loss on A->B only loses about 10% of pings (each needs
// its request through); on both directions about 1-0.9² = 19%.
func TestPingLoss(t *testing.T) {
	for _, tc := range []struct {
		name     string
		args     string
		min, max int // answered out of 300
	}{
		// Binomial(300, 0.9): mean 270, sd 5.2; Binomial(300, 0.81): mean 243, sd 6.8.
		{"ab", "-loss 0.1 -dir ab -seed 5", 250, 290},
		{"both", "-loss 0.1 -seed 5", 220, 265},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseArgs(append([]string{"-a", "va", "-b", "vb"}, splitArgs(tc.args)...))
			if err != nil {
				t.Fatal(err)
			}
			k := newKernels(t, c, false)
			n, out := k.ping(t, 300)
			if n < tc.min || n > tc.max {
				t.Fatalf("%d of 300 answered, want %d..%d:\n%s", n, tc.min, tc.max, out)
			}
			t.Logf("%d of 300 answered (%.1f%% lost)", n, 100-float64(n)/3)
		})
	}
}

func splitArgs(s string) []string { return regexp.MustCompile(`\s+`).Split(s, -1) }

// TestDelayAddsRTT: 20ms each way makes every round trip at least 40ms.
func TestDelayAddsRTT(t *testing.T) {
	k := newKernels(t, Config{Seed: 1, AB: impair.Direction{Delay: 20 * time.Millisecond}, BA: impair.Direction{Delay: 20 * time.Millisecond}}, false)
	n, out := k.ping(t, 10)
	if n != 10 {
		t.Fatalf("%d of 10 answered:\n%s", n, out)
	}
	m := regexp.MustCompile(`= ([\d.]+)/`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no rtt in:\n%s", out)
	}
	if min, _ := strconv.ParseFloat(m[1], 64); min < 40 {
		t.Fatalf("min rtt %.1fms with 20ms each way", min)
	}
}

// TestTCPThroughLossAndReorder sends 1 MiB (8 MiB with offloads) from A to B with the kernel's
// TCP across 5% loss and 5% reordering in both directions: the data must
// arrive intact (SHA-256), with offloads off (frames of MTU size, each
// impaired alone) and on (GSO super-frames carried through).
func TestTCPThroughLossAndReorder(t *testing.T) {
	for _, offloads := range []bool{false, true} {
		t.Run(fmt.Sprintf("offloads=%v", offloads), func(t *testing.T) {
			d := impair.Direction{Loss: 0.05, Reorder: 0.05, ReorderGap: 2 * time.Millisecond}
			k := newKernels(t, Config{Seed: 9, AB: d, BA: d}, offloads)
			// Super-frames carry up to 64 KiB each: send more so that a
			// fair number of them meet the impairment.
			size := 1 << 20
			if offloads {
				size = 8 << 20
			}
			data := make([]byte, size)
			rand.Read(data)
			want := sha256.Sum256(data)

			var ln net.Listener
			if err := k.b.Do(func() (err error) {
				ln, err = net.Listen("tcp4", "198.18.1.2:5001")
				return err
			}); err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			got := make(chan [32]byte, 1)
			go func() {
				c, err := ln.Accept()
				if err != nil {
					close(got)
					return
				}
				defer c.Close()
				c.SetDeadline(time.Now().Add(90 * time.Second))
				h := sha256.New()
				io.Copy(h, c)
				var s [32]byte
				copy(s[:], h.Sum(nil))
				got <- s
			}()
			var conn net.Conn
			if err := k.a.Do(func() (err error) {
				conn, err = net.DialTimeout("tcp4", "198.18.1.2:5001", 30*time.Second)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			conn.SetDeadline(time.Now().Add(90 * time.Second))
			start, elapsed := time.Now(), time.Duration(0)
			if _, err := conn.Write(data); err != nil {
				t.Fatal(err)
			}
			conn.Close()
			select {
			case sum, ok := <-got:
				if !ok || sum != want {
					t.Fatal("data corrupted or incomplete")
				}
				elapsed = time.Since(start)
			case <-time.After(120 * time.Second):
				t.Fatal("transfer did not finish")
			}
			s := k.br.Stats()
			if offloads {
				// The point here is super-frames crossing: with about a
				// hundred frames in all, a run may see no loss at all
				// (0.95^114 is 0.3%), so that is not asserted.
				if avg := s.A.RxBytes / max(s.A.RxFrames, 1); avg <= 1514 {
					t.Fatalf("average frame from A %d bytes: no GSO super-frames crossed", avg)
				}
			} else if s.AB.DropLoss+s.BA.DropLoss == 0 || s.AB.Reordered+s.BA.Reordered == 0 {
				t.Fatalf("no impairment happened: A->B %+v B->A %+v", s.AB, s.BA)
			}
			t.Logf("%d KiB in %v; A->B lost %d reordered %d of %d frames", size>>10, elapsed.Round(time.Millisecond), s.AB.DropLoss, s.AB.Reordered, s.AB.Offered)
		})
	}
}
