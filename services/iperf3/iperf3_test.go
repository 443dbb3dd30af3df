package iperf3

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/services/internal/svctest"
)

// startServer runs a Server with the kernel hooks on a loopback port, TCP
// and UDP.
func startServer(t *testing.T, s *Server) int {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	pc, err := net.ListenPacket("udp4", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	// Room for bursts of large datagrams while the machine is loaded.
	pc.(*net.UDPConn).SetReadBuffer(4 << 20)
	if s.TCPStats == nil {
		s.TCPStats = KernelStats
		s.Tune = KernelTune
	}
	svctest.Run(t, func(ctx context.Context) error { return s.Serve(ctx, ln, pc) })
	return port
}

// clientJSON is the part of iperf3 -J output the tests check.
type clientJSON struct {
	Error string `json:"error"`
	End   struct {
		SumSent struct {
			Bytes       float64 `json:"bytes"`
			Retransmits float64 `json:"retransmits"`
		} `json:"sum_sent"`
		SumReceived struct {
			Bytes float64 `json:"bytes"`
		} `json:"sum_received"`
		Sum struct { // UDP
			Bytes       float64 `json:"bytes"`
			Packets     float64 `json:"packets"`
			LostPackets float64 `json:"lost_packets"`
			JitterMs    float64 `json:"jitter_ms"`
		} `json:"sum"`
		SumSentBidir struct {
			Bytes float64 `json:"bytes"`
		} `json:"sum_sent_bidir_reverse"`
		SumReceivedBidir struct {
			Bytes float64 `json:"bytes"`
		} `json:"sum_received_bidir_reverse"`
		SenderCC   string            `json:"sender_tcp_congestion"`
		ReceiverCC string            `json:"receiver_tcp_congestion"`
		Streams    []json.RawMessage `json:"streams"`
	} `json:"end"`
	ServerOutputText string `json:"server_output_text"`
}

func runClient(t *testing.T, port int, args ...string) *clientJSON {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	all := []string{"-c", "127.0.0.1", "-p", strconv.Itoa(port), "-J"}
	if !slices.Contains(args, "-n") && !slices.Contains(args, "-k") { // one end condition only
		all = append(all, "-t", "2")
	}
	all = append(all, args...)
	out, err := exec.CommandContext(ctx, "iperf3", all...).Output()
	var r clientJSON
	if jerr := json.Unmarshal(out, &r); jerr != nil {
		t.Fatalf("iperf3 %v: %v; output not JSON: %v\n%s", all, err, jerr, out)
	}
	if err != nil || r.Error != "" {
		t.Fatalf("iperf3 %v: %v %q", all, err, r.Error)
	}
	return &r
}

// needIperf3 skips without Debian's iperf3, except under CI (CI=true),
// where a missing tool fails the test.
func needIperf3(t *testing.T) { svctest.NeedTool(t, "iperf3") }

func TestIperf3Client(t *testing.T) {
	needIperf3(t)
	s := &Server{}
	port := startServer(t, s)
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"tcp", nil},
		{"reverse", []string{"-R"}},
		{"bidir", []string{"--bidir"}},
		{"parallel4", []string{"-P", "4"}},
		{"reno", []string{"-C", "reno"}},
		{"cubic", []string{"-C", "cubic"}},
		{"options", []string{"-w", "256K", "-M", "1200", "-N", "--get-server-output"}},
		{"omit", []string{"-O", "1", "-R"}},
		{"bytes", []string{"-n", "200M"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runClient(t, port, tc.args...)
			sent, recv := r.End.SumSent.Bytes, r.End.SumReceived.Bytes
			// With -O the sender and the receiver each drop the omitted
			// second's bytes at their own instant, so what moved between
			// the two instants counts as received but not as sent: at
			// tens of Gbit/s on loopback, a few milliseconds' worth.
			slack := 0.0
			if tc.name == "omit" {
				slack = 0.05 * sent
			}
			if sent <= 0 || recv <= 0 || recv > sent+slack {
				t.Fatalf("sum_sent %v, sum_received %v", sent, recv)
			}
			if tc.name == "bidir" && (r.End.SumSentBidir.Bytes <= 0 || r.End.SumReceivedBidir.Bytes <= 0 ||
				r.End.SumReceivedBidir.Bytes > r.End.SumSentBidir.Bytes) {
				t.Fatalf("bidir reverse half: sent %v received %v", r.End.SumSentBidir.Bytes, r.End.SumReceivedBidir.Bytes)
			}
			if tc.name == "parallel4" && len(r.End.Streams) != 4 {
				t.Fatalf("%d streams, want 4", len(r.End.Streams))
			}
			if cc := tc.args; len(cc) == 2 && cc[0] == "-C" && (r.End.ReceiverCC != cc[1] || r.End.SenderCC != cc[1]) {
				t.Fatalf("congestion sender %q receiver %q, want %q", r.End.SenderCC, r.End.ReceiverCC, cc[1])
			}
			if tc.name == "options" && r.ServerOutputText == "" {
				t.Fatal("no server_output_text")
			}
			t.Logf("%s: sent %.0f received %.0f bytes", tc.name, sent, recv)
		})
	}
	// The server counts a test after the client's IPERF_DONE, which may
	// land just after the client exits.
	deadline := time.Now().Add(10 * time.Second)
	for s.Tests.Load() != 9 {
		if time.Now().After(deadline) {
			t.Fatalf("Tests = %d, want 9; errors %v", s.Tests.Load(), s.Stats.Snapshot().Errors)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestIperf3UDP(t *testing.T) {
	needIperf3(t)
	s := &Server{}
	port := startServer(t, s)
	for _, args := range [][]string{{"-u", "-b", "100M"}, {"-u", "-b", "20M", "-R"}, {"-u", "-b", "10M", "--bidir", "-P", "2"}} {
		t.Run(fmt.Sprint(args), func(t *testing.T) {
			r := runClient(t, port, args...)
			if r.End.Sum.Bytes <= 0 || r.End.Sum.Packets <= 0 {
				t.Fatalf("udp sum %+v", r.End.Sum)
			}
			// Loss itself depends on the load of the machine; its
			// accounting is checked exactly in TestUDPReceiveAccounting.
			if r.End.Sum.LostPackets < 0 || r.End.Sum.LostPackets > r.End.Sum.Packets {
				t.Fatalf("lost %v of %v", r.End.Sum.LostPackets, r.End.Sum.Packets)
			}
			t.Logf("udp %v: %+v", args, r.End.Sum)
		})
	}
}

// Two clients at once each get their own test.
func TestIperf3TwoClients(t *testing.T) {
	needIperf3(t)
	s := &Server{}
	port := startServer(t, s)
	var wg sync.WaitGroup
	res := make([]*clientJSON, 2)
	for i := range res {
		wg.Add(1)
		go func() {
			defer wg.Done()
			args := []string{}
			if i == 1 {
				args = []string{"-R"}
			}
			res[i] = runClient(t, port, args...)
		}()
	}
	wg.Wait()
	for i, r := range res {
		if r == nil || r.End.SumReceived.Bytes <= 0 {
			t.Fatalf("client %d: %+v", i, r)
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// The server's limits: a test longer than MaxDuration is refused; what the
// server sends is paced to MaxBitrate; a client sending faster is stopped.
func TestIperf3Limits(t *testing.T) {
	needIperf3(t)
	s := &Server{MaxDuration: time.Second, MaxBitrate: 50_000_000}
	port := startServer(t, s)
	run := func(args ...string) *clientJSON {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		all := append([]string{"-c", "127.0.0.1", "-p", strconv.Itoa(port), "-J"}, args...)
		out, _ := exec.CommandContext(ctx, "iperf3", all...).Output()
		var r clientJSON
		if err := json.Unmarshal(out, &r); err != nil {
			t.Fatalf("iperf3 %v: %v\n%s", all, err, out)
		}
		return &r
	}
	if r := run("-t", "2"); !strings.Contains(r.Error, "duration") {
		t.Fatalf("-t 2 over a 1 s maximum: error %q", r.Error)
	}
	r := run("-t", "1", "-R")
	if r.Error != "" {
		t.Fatal(r.Error)
	}
	bps := r.End.SumReceived.Bytes * 8 / 1.0
	if bps <= 0 || bps > 55_000_000 {
		t.Fatalf("reverse at %.0f bit/s, limit 50M", bps)
	}
	if r := run("-t", "1"); !strings.Contains(r.Error, "bandwidth") && !strings.Contains(r.Error, "limit") {
		t.Fatalf("unlimited client over a 50M server: error %q", r.Error)
	}
	e := s.Stats.Snapshot().Errors
	if e[ReasonDuration] != 1 || e[ReasonRate] != 1 {
		t.Fatalf("errors %v", e)
	}
}
