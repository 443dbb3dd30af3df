package iperf3

import (
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
