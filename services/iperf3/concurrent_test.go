package iperf3

import (
	"regexp"
	"strconv"
	"sync"
	"testing"
)

// runClients runs one iperf3 client per argument list at the same time.
func runClients(t *testing.T, port int, args ...[]string) []*clientJSON {
	t.Helper()
	var wg sync.WaitGroup
	res := make([]*clientJSON, len(args))
	for i, a := range args {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i] = runClient(t, port, a...)
		}()
	}
	wg.Wait()
	for i, r := range res {
		if r == nil {
			t.Fatalf("client %d %v did not complete", i, args[i])
		}
	}
	return res
}

// Two tests at once with different -C each get their own algorithm on
// their own data connections: options are applied per connection, not by
// re-creating the listener both tests' streams arrive on.
func TestIperf3ConcurrentOwnOptions(t *testing.T) {
	needIperf3(t)
	port := startServer(t, &Server{})
	for round := range 3 {
		res := runClients(t, port,
			[]string{"-R", "-C", "reno", "-M", "1000", "-P", "2"},
			[]string{"-R", "-C", "cubic", "-P", "2"})
		for i, want := range []string{"reno", "cubic"} {
			if got := res[i].End.SenderCC; got != want {
				t.Fatalf("round %d client %d: server sent with %q, want %q", round, i, got, want)
			}
		}
	}
}

// serverPackets are the "lost/packets" of the server's receiving UDP
// streams in --get-server-output.
var serverPackets = regexp.MustCompile(`(\d+)/(\d+) lost`)

// Two UDP tests at once from one IP, at rates 20 times apart for the same
// time: each test's server-side streams are its own client's, so the
// packets the server counts for a test are at most what that client sent
// (-k), never the other's.
func TestIperf3UDPTwoClientsOneIP(t *testing.T) {
	needIperf3(t)
	port := startServer(t, &Server{})
	type client struct {
		rate  string
		count int // datagrams of 1000 bytes, about one second at rate
	}
	clients := []client{{"1M", 250}, {"20M", 5000}} // -b is per stream: 2 streams
	for round := range 3 {
		var args [][]string
		for _, c := range clients {
			args = append(args, []string{"-u", "-b", c.rate, "-l", "1000", "-k", strconv.Itoa(c.count), "-P", "2", "--get-server-output"})
		}
		res := runClients(t, port, args...)
		for i, r := range res {
			ms := serverPackets.FindAllStringSubmatch(r.ServerOutputText, -1)
			if len(ms) != 2 {
				t.Fatalf("round %d client %d: %d receiving streams in the server output:\n%s", round, i, len(ms), r.ServerOutputText)
			}
			total := 0
			for _, m := range ms {
				n, _ := strconv.Atoi(m[2])
				total += n
			}
			if total <= 0 || total > clients[i].count {
				t.Fatalf("round %d client %d sent %d datagrams; the server counted %d for its test:\n%s", round, i, clients[i].count, total, r.ServerOutputText)
			}
			t.Logf("round %d: client %d sent %d, server counted %d", round, i, clients[i].count, total)
		}
	}
}
