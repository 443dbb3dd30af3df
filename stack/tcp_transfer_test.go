package stack

import (
	"crypto/sha256"
	"fmt"
	"io"
	"net/netip"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/hack/testbed"
	"github.com/tcpbox/tcpbox/nic"
	"github.com/tcpbox/tcpbox/nic/impair"
)

// transferBothWays sends size bytes from a to b and size bytes from b to
// a over one connection at the same time and checks both by SHA-256.
// It returns the time taken.
func transferBothWays(t *testing.T, p *tcpPair, size int64, limit time.Duration) time.Duration {
	t.Helper()
	ln, err := p.b.ListenTCP(netip.AddrPortFrom(netip.IPv4Unspecified(), 5001))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	type result struct {
		sent, got [32]byte
		n         int64
		err       error
	}
	// run writes a pattern and reads the peer's, concurrently, on c.
	run := func(c *TCPConn, seed uint64) result {
		c.SetDeadline(time.Now().Add(limit))
		src := testbed.NewPattern(byte(seed), size)
		werr := make(chan error, 1)
		go func() {
			_, err := io.Copy(struct{ io.Writer }{c}, src)
			if err == nil {
				err = c.CloseWrite()
			}
			werr <- err
		}()
		rh := sha256.New()
		n, err := io.Copy(rh, c)
		if e := <-werr; err == nil {
			err = e
		}
		var r result
		copy(r.sent[:], src.Sum())
		copy(r.got[:], rh.Sum(nil))
		r.n, r.err = n, err
		return r
	}
	bres := make(chan result, 1)
	go func() {
		ln.SetDeadline(time.Now().Add(limit))
		c, err := ln.AcceptTCP()
		if err != nil {
			bres <- result{err: err}
			return
		}
		defer c.Close()
		bres <- run(c, 2)
	}()
	start := time.Now()
	ctx := dialCtx(t)
	c, err := p.a.DialTCP(ctx, netip.AddrPortFrom(p.bAddr, 5001))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ra := run(c, 1)
	rb := <-bres
	took := time.Since(start)
	if ra.err != nil || rb.err != nil {
		p.dump(t)
		t.Fatalf("transfer: a: %v, b: %v (a got %d, b got %d of %d)", ra.err, rb.err, ra.n, rb.n, size)
	}
	if ra.n != size || rb.n != size || ra.sent != rb.got || rb.sent != ra.got {
		t.Fatalf("transfer corrupted: a got %d, b got %d of %d; hashes a->b %x/%x, b->a %x/%x",
			ra.n, rb.n, size, ra.sent[:4], rb.got[:4], rb.sent[:4], ra.got[:4])
	}
	return took
}

func TestTCPTransferClean(t *testing.T) {
	p := newTCPPair(t, tcpPairOptions{})
	size := int64(32 << 20)
	took := transferBothWays(t, p, size, 60*time.Second)
	t.Logf("%d MiB each way in %v (%.0f Mbit/s each way)", size>>20, took, float64(size)*8/took.Seconds()/1e6)
}

// TestTCPTransferImpaired moves data both ways through 5% loss and 5%
// reordering in each direction, intact by SHA-256.
func TestTCPTransferImpaired(t *testing.T) {
	d := impair.Direction{Loss: 0.05, Reorder: 0.05, ReorderGap: 2 * time.Millisecond}
	p := newTCPPair(t, tcpPairOptions{wrap: func(a, b nic.Link) (nic.Link, nic.Link) {
		return impair.Wrap(a, impair.Profile{TX: d, RX: d}, 1), b
	}})
	size := int64(2 << 20)
	took := transferBothWays(t, p, size, 120*time.Second)
	var infos string
	for _, i := range p.a.TCPConnections() {
		infos += fmt.Sprintf(" retrans=%d fast=%d rto=%d", i.TotalRetrans, i.FastRetrans, i.RTORetrans)
	}
	t.Logf("%d MiB each way at 5%% loss + 5%% reordering in %v (%.1f Mbit/s each way);%s", size>>20, took, float64(size)*8/took.Seconds()/1e6, infos)
}
