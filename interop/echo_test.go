package interop

import (
	"context"
	"net"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/hack/testbed"
	"github.com/tcpbox/tcpbox/stack"

	"github.com/tcpbox/tcpbox/nic/impair"
	"github.com/tcpbox/tcpbox/services/echo"
)

// echoBulk sends size bytes from a kernel client through tcpbox's TCP
// echo and reads them back at the same time, comparing SHA-256. It
// returns the time taken.
func echoBulk(t *testing.T, b *bed, size int64, limit time.Duration) time.Duration {
	t.Helper()
	c := b.dial(t, b.dut.String()+":7")
	defer c.Close()
	c.SetDeadline(time.Now().Add(limit))
	took, err := testbed.EchoRoundTrip(c.(*net.TCPConn), 3, size)
	if err != nil {
		t.Fatal(err)
	}
	return took
}

// TestEchoThroughLossAndReorder: the kernel pushes data through tcpbox's
// echo (RFC 862) across the impairment bridge with 5% loss and 5%
// reordering in both directions; every byte comes back intact. 32 MiB each
// way by default, 1 GiB with TCPBOX_BIG=1, any size with
// TCPBOX_LOSS_BYTES. tshark checks the capture for
// malformed frames and bad checksums (retransmissions are expected here
// and counted).
func TestEchoThroughLossAndReorder(t *testing.T) {
	size, limit := int64(32<<20), 5*time.Minute
	if big() {
		size, limit = 1<<30, 30*time.Minute
	}
	if v := os.Getenv("TCPBOX_LOSS_BYTES"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			t.Fatalf("TCPBOX_LOSS_BYTES=%q", v)
		}
		size, limit = n, 30*time.Minute
	}
	d := impair.Direction{Loss: 0.05, Reorder: 0.05, ReorderGap: 2 * time.Millisecond}
	b := newBed(t, bedOptions{impair: impairment(d, 5), snapLen: 96})
	ln := newKeepConns(b.listen(t, echo.Port), nil)
	es := &echo.Server{}
	serve(t, func(ctx context.Context) error { return es.Serve(ctx, ln) })
	took := echoBulk(t, b, size, limit)
	for _, c := range ln.rec.take() {
		in := c.TCPInfo()
		t.Logf("tcpbox's side: %s, srtt %v rto %v cwnd %d ssthresh %d; retransmitted %d segments (%d fast, %d on timeout, %d bytes); dup ACKs in %d, D-SACKs %d, zero-window probes %d; rwnd-limited %v, sndbuf-limited %v",
			in.Congestion, in.SRTT, in.RTO, in.Cwnd, in.Ssthresh, in.TotalRetrans, in.FastRetrans, in.RTORetrans, in.BytesRetrans,
			in.DupAcksIn, in.DSACKDups, in.ZeroWindowProbes, in.RwndLimited, in.SndBufLimited)
	}
	bs := b.br.Stats()
	if bs.AB.DropLoss == 0 || bs.BA.DropLoss == 0 || bs.AB.Reordered+bs.BA.Reordered == 0 {
		t.Errorf("the bridge did not impair: A->B %+v B->A %+v", bs.AB, bs.BA)
	}
	cr := b.checkCapture(t, false)
	t.Logf("%d MiB each way through tcpbox echo at 5%% loss + 5%% reordering in %v (%.1f Mbit/s each way); bridge lost %d/%d frames kernel->tcpbox, %d/%d tcpbox->kernel, reordered %d; tshark: %d TCP frames, %d retransmissions, %d zero-window",
		size>>20, took.Round(time.Millisecond), mbit(size, took.Seconds()),
		bs.AB.DropLoss, bs.AB.Offered, bs.BA.DropLoss, bs.BA.Offered, bs.AB.Reordered+bs.BA.Reordered,
		cr.TCPFrames, len(cr.Retransmissions), cr.ZeroWindows)
}

// keepConns is a listener that remembers the connections it accepted (in
// rec, which several listeners may share), so a test can read their TCB
// snapshots after a service is done with them.
type keepConns struct {
	*stack.TCPListener
	rec *connRecord
}

type connRecord struct {
	mu    sync.Mutex
	conns []*stack.TCPConn
}

func newKeepConns(l *stack.TCPListener, rec *connRecord) *keepConns {
	if rec == nil {
		rec = &connRecord{}
	}
	return &keepConns{TCPListener: l, rec: rec}
}

func (l *keepConns) Accept() (net.Conn, error) {
	c, err := l.TCPListener.AcceptTCP()
	if err != nil {
		return nil, err
	}
	l.rec.mu.Lock()
	l.rec.conns = append(l.rec.conns, c)
	l.rec.mu.Unlock()
	return c, nil
}

// take returns the connections accepted since the last take.
func (r *connRecord) take() []*stack.TCPConn {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.conns
	r.conns = nil
	return c
}
