package interop

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/appliance/iperftcp"
	"github.com/tcpbox/tcpbox/services/iperf3"
	"github.com/tcpbox/tcpbox/stack"
)

// iperfResult is the part of `iperf3 -J` output the tests read.
type iperfResult struct {
	Error string `json:"error"`
	Start struct {
		Connected []struct {
			LocalPort int `json:"local_port"` // the client's port of a data stream
		} `json:"connected"`
	} `json:"start"`
	End struct {
		SumSent     iperfSum `json:"sum_sent"`
		SumReceived iperfSum `json:"sum_received"`
		Sum         iperfSum `json:"sum"` // UDP
		// --bidir: the reverse direction's sums.
		SumSentBidir     iperfSum `json:"sum_sent_bidir_reverse"`
		SumReceivedBidir iperfSum `json:"sum_received_bidir_reverse"`
		Streams          []struct {
			Sender struct {
				Retransmits *int64 `json:"retransmits"`
			} `json:"sender"`
		} `json:"streams"`
		SenderCongestion   string `json:"sender_tcp_congestion"`
		ReceiverCongestion string `json:"receiver_tcp_congestion"`
	} `json:"end"`
	ServerOutputText string `json:"server_output_text"`
}

type iperfSum struct {
	Bytes         float64 `json:"bytes"`
	BitsPerSecond float64 `json:"bits_per_second"`
	Retransmits   int64   `json:"retransmits"`
	LostPercent   float64 `json:"lost_percent"`
	Packets       int64   `json:"packets"`
	JitterMS      float64 `json:"jitter_ms"`
}

// runIperf runs Debian's iperf3 client in the kernel's namespace against
// tcpbox and returns its parsed JSON, failing the test unless it completed.
func runIperf(t *testing.T, b *bed, args ...string) *iperfResult {
	t.Helper()
	all := append([]string{"-c", b.dut.String(), "-t", "2", "-J", "--get-server-output"}, args...)
	stdout, stderr, err := b.peerRun(90*time.Second, nil, "iperf3", all...)
	var r iperfResult
	if jerr := json.Unmarshal([]byte(stdout), &r); jerr != nil || err != nil || r.Error != "" {
		t.Fatalf("iperf3 %v: %v; JSON: %v; error %q\nstderr: %s\nstdout: %.2000s", all, err, jerr, r.Error, stderr, stdout)
	}
	return &r
}

// serverFigures are the "retr N  cwnd N  rtt D" of the server's sending
// streams in --get-server-output.
var serverFigures = regexp.MustCompile(`retr (-?\d+)  cwnd (\d+)  rtt (\S+)`)

// checkServerSender asserts the server's text carries tcpbox's own TCP
// figures for every stream it sent on, and returns them for the log.
func checkServerSender(t *testing.T, r *iperfResult, streams int) string {
	t.Helper()
	ms := serverFigures.FindAllStringSubmatch(r.ServerOutputText, -1)
	if len(ms) != streams {
		t.Errorf("server output has figures for %d sending streams, want %d:\n%s", len(ms), streams, r.ServerOutputText)
		return ""
	}
	var parts []string
	for _, m := range ms {
		cwnd, _ := strconv.Atoi(m[2])
		rtt, err := time.ParseDuration(m[3])
		if cwnd <= 0 || err != nil || rtt <= 0 {
			t.Errorf("server figures %q: want cwnd > 0 and rtt > 0", m[0])
		}
		parts = append(parts, m[0])
	}
	return strings.Join(parts, "; ")
}

// TestIperf3 runs Debian's `iperf3 -c -J -t 2` against tcpbox's iperf3
// server on tcpbox's stack, in every mode issue 5 names; each completes,
// its JSON parses with bytes both ways, and the server's figures (from
// tcpbox's TCB through the hooks) are in --get-server-output.
func TestIperf3(t *testing.T) {
	b := newBed(t, bedOptions{snapLen: 96, maxFrames: iperfFrames}, "iperf3")
	rec := &connRecord{}
	// The window scale lets a -w up to iperf3.MaxWindow be advertised;
	// every option is set per data connection (iperftcp.Tune).
	ln := newKeepConns(b.listen(t, iperf3.Port, stack.WithWindowShift(iperftcp.WindowShift())), rec)
	pc, err := b.st.ListenUDP(netip.AddrPortFrom(netip.IPv4Unspecified(), iperf3.Port))
	if err != nil {
		t.Fatal(err)
	}
	srv := &iperf3.Server{TCPStats: iperftcp.Stats, Tune: iperftcp.Tune}
	serve(t, func(ctx context.Context) error { return srv.Serve(ctx, ln, pc) })

	type run struct {
		name string
		args []string
		// server-side sending streams whose figures must be reported
		serverSends int
	}
	for _, tc := range []run{
		{"tcp", nil, 0},
		{"reverse", []string{"-R"}, 1},
		{"bidir", []string{"--bidir"}, 1},
		{"parallel4", []string{"-P", "4"}, 0},
		{"udp100M", []string{"-u", "-b", "100M"}, 0},
		{"reno", []string{"-C", "reno", "-R"}, 1},
		{"cubic", []string{"-C", "cubic", "-R"}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b.judged(t, rec, func() { iperfRun(t, b, tc.name, tc.args, tc.serverSends) })
		})
	}

	t.Run("two-clients", func(t *testing.T) {
		b.judged(t, rec, func() {
			b.capture(t, 96, iperfFrames)
			res := runIperfs(t, b, nil, []string{"-R"})
			for i := range res {
				if res[i].End.SumReceived.Bytes <= 0 {
					t.Fatalf("client %d received nothing", i)
				}
			}
			t.Logf("two clients at once: %.0f and %.0f (-R) Mbit/s received", res[0].End.SumReceived.BitsPerSecond/1e6, res[1].End.SumReceived.BitsPerSecond/1e6)
			// The client exits once it has sent IPERF_DONE; the server
			// counts the test when it has read that byte, a moment later.
			deadline := time.Now().Add(5 * time.Second)
			for srv.Tests.Load() < 9 && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			if n := srv.Tests.Load(); n < 9 {
				t.Errorf("server counts %d completed tests, want at least 9; errors %v", n, srv.Stats.Snapshot().Errors)
			}
		})
	})

	// Two tests at once with different -C and -M: each test's data
	// connections carry its own, as the server-side TCBs show (options
	// are set per connection, never by re-creating the listener).
	t.Run("two-clients-own-options", func(t *testing.T) {
		b.judged(t, rec, func() {
			b.capture(t, 96, iperfFrames)
			rec.take()
			args := [][]string{{"-R", "-P", "2", "-C", "reno", "-M", "1000"}, {"-R", "-P", "2", "-C", "cubic"}}
			res := runIperfs(t, b, args...)
			conns := rec.take()
			for i, r := range res {
				var ports []int
				for _, c := range r.Start.Connected {
					ports = append(ports, c.LocalPort)
				}
				wantCC := iperftcp.CC(args[i][4])
				n := 0
				for _, c := range conns {
					if !slices.Contains(ports, int(c.RemoteAddrPort().Port())) {
						continue
					}
					n++
					in := c.TCPInfo()
					if in.Congestion != wantCC {
						t.Errorf("client %d %v: server stream from port %d uses %q, want %q", i, args[i], c.RemoteAddrPort().Port(), in.Congestion, wantCC)
					}
					if mssSet := len(args[i]) > 5; mssSet != (in.SndMSS <= 1000) {
						t.Errorf("client %d %v: server stream from port %d sends %d-byte segments", i, args[i], c.RemoteAddrPort().Port(), in.SndMSS)
					}
					t.Logf("client %d %v: server stream from port %d: %s, snd_mss %d", i, args[i], c.RemoteAddrPort().Port(), in.Congestion, in.SndMSS)
				}
				if n != 2 {
					t.Errorf("client %d: found %d of its 2 data streams among the server's connections (ports %v)", i, n, ports)
				}
			}
		})
	})

	// Two UDP tests at once from the kernel's one address, at rates 20
	// times apart: the packets tcpbox counts for each test are at most
	// what its own client sent (-k), never the other's streams.
	t.Run("two-udp-clients", func(t *testing.T) {
		b.capture(t, 96, iperfFrames)
		counts := []int{250, 5000} // about a second each at 1M and 20M per stream, 2 streams
		res := runIperfs(t, b,
			[]string{"-u", "-b", "1M", "-l", "1000", "-k", "250", "-P", "2", "--get-server-output"},
			[]string{"-u", "-b", "20M", "-l", "1000", "-k", "5000", "-P", "2", "--get-server-output"})
		for i, r := range res {
			ms := udpServerPackets.FindAllStringSubmatch(r.ServerOutputText, -1)
			total := 0
			for _, m := range ms {
				n, _ := strconv.Atoi(m[1])
				total += n
			}
			if len(ms) != 2 || total <= 0 || total > counts[i] {
				t.Errorf("client %d sent %d datagrams on 2 streams; tcpbox counted %d on %d streams for its test:\n%s", i, counts[i], total, len(ms), r.ServerOutputText)
			}
			t.Logf("client %d sent %d datagrams, tcpbox counted %d for its test", i, counts[i], total)
		}
	})
}

// udpServerPackets is the datagram count of each receiving UDP stream in
// the server's --get-server-output text ("lost/packets lost").
var udpServerPackets = regexp.MustCompile(`\d+/(\d+) lost`)

// runIperfs runs one iperf3 client per argument list at the same time
// and returns their results; it fails the test unless all completed.
func runIperfs(t *testing.T, b *bed, args ...[]string) []*iperfResult {
	t.Helper()
	var wg sync.WaitGroup
	res := make([]*iperfResult, len(args))
	errs := make([]string, len(args))
	for i, a := range args {
		wg.Add(1)
		go func() {
			defer wg.Done()
			all := []string{"-c", b.dut.String(), "-J"}
			if !slices.Contains(a, "-k") {
				all = append(all, "-t", "2")
			}
			all = append(all, a...)
			stdout, stderr, err := b.peerRun(90*time.Second, nil, "iperf3", all...)
			var r iperfResult
			if jerr := json.Unmarshal([]byte(stdout), &r); jerr != nil || err != nil || r.Error != "" {
				errs[i] = fmt.Sprintf("iperf3 %v: %v %v %q %s", all, err, jerr, r.Error, stderr)
				return
			}
			res[i] = &r
		}()
	}
	wg.Wait()
	for i := range res {
		if errs[i] != "" {
			t.Fatal(errs[i])
		}
	}
	return res
}

// iperfFrames is how many frames of each iperf3 run tshark judges: the
// handshakes, the parameter exchange and the first second or so of data
// (tshark reads about 15,000 frames a second here; a whole 2 s run at
// over a Gbit/s is some 300,000).
const iperfFrames = 40000

// logSenders logs the TCB figures of tcpbox's connections that sent bulk
// data since the last call, and forgets them.
func logSenders(t *testing.T, rec *connRecord) {
	for _, c := range rec.take() {
		in := c.TCPInfo()
		if in.BytesSent < 1<<20 {
			continue
		}
		t.Logf("tcpbox sender %v: %s, sent %d MB, srtt %v rttvar %v rto %v min_rtt %v; retransmitted %d segments (%d fast, %d on timeout, %d tail loss probes); dup ACKs in %d, D-SACKs %d, reordering seen %d",
			in.Remote, in.Congestion, in.BytesSent>>20, in.SRTT, in.RTTVar, in.RTO, in.MinRTT, in.TotalRetrans, in.FastRetrans, in.RTORetrans, in.TLPProbes, in.DupAcksIn, in.DSACKDups, in.ReordSeen)
	}
}

// iperfRun makes one iperf3 test of the table in TestIperf3 (name, the
// client's extra args, how many server-side sending streams must report
// figures) with a fresh capture, and checks what iperf3 reports.
func iperfRun(t *testing.T, b *bed, name string, args []string, serverSends int) {
	b.capture(t, 96, iperfFrames)
	r := runIperf(t, b, args...)
	sent, recv := r.End.SumSent, r.End.SumReceived
	if name == "udp100M" {
		sent, recv = r.End.Sum, r.End.Sum
	}
	if sent.Bytes <= 0 || recv.Bytes <= 0 || recv.Bytes > sent.Bytes {
		t.Fatalf("sum_sent %v bytes, sum_received %v bytes", sent.Bytes, recv.Bytes)
	}
	line := fmt.Sprintf("iperf3 -c -t 2 -J %s: %.0f Mbit/s received", strings.Join(args, " "), recv.BitsPerSecond/1e6)
	if name == "bidir" {
		rb := r.End.SumReceivedBidir
		if rb.Bytes <= 0 {
			t.Fatalf("bidir reverse direction received %v bytes", rb.Bytes)
		}
		line += fmt.Sprintf(", reverse %.0f Mbit/s", rb.BitsPerSecond/1e6)
	}
	if name == "udp100M" {
		line += fmt.Sprintf(", %d datagrams, %.2f%% lost, jitter %.3f ms", r.End.Sum.Packets, r.End.Sum.LostPercent, r.End.Sum.JitterMS)
	}
	// With -R the server sends: its algorithm is the sender's.
	if args != nil && args[0] == "-C" && r.End.SenderCongestion != iperftcp.CC(args[1]) {
		t.Errorf("server reports congestion %q, want %q", r.End.SenderCongestion, iperftcp.CC(args[1]))
	}
	if r.ServerOutputText == "" {
		t.Fatalf("no server_output_text with --get-server-output")
	}
	if serverSends > 0 {
		line += "; server (tcpbox TCB): " + checkServerSender(t, r, serverSends)
		if name == "reverse" || args[0] == "-C" {
			line += fmt.Sprintf("; sum_sent.retransmits %d", r.End.SumSent.Retransmits)
		}
	}
	t.Log(line)
}
