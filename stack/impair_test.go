package stack

import (
	"encoding/binary"
	"net/netip"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/nic/impair"
	"github.com/tcpbox/tcpbox/nic/memlink"
)

// Two stacks over memlink, A's transmit direction through impair with 20%
// loss and reordering: A sends 10,000 UDP datagrams to B, and what B's
// socket gets must be exactly what impair says it let through.
func TestUDPThroughImpairment(t *testing.T) {
	const n = 10000
	la, lb := memlink.New(memlink.Options{MTU: 1500, MACA: dutMAC, MACB: peerMAC, QueueLen: 4096})
	ia := impair.Wrap(la, impair.Profile{TX: impair.Direction{Loss: 0.2, Reorder: 0.2}}, 42)
	sa, err := New(ia, Options{Addr: dutNet})
	if err != nil {
		t.Fatal(err)
	}
	defer sa.Close()
	sb, err := New(lb, Options{Addr: netip.MustParsePrefix("198.18.0.1/24"), UDPQueueLen: 2 * n})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	ca, err := sa.ListenUDP(netip.AddrPortFrom(netip.Addr{}, 9001))
	if err != nil {
		t.Fatal(err)
	}
	cb, err := sb.ListenUDP(netip.AddrPortFrom(netip.Addr{}, 9000))
	if err != nil {
		t.Fatal(err)
	}
	bAddr := netip.AddrPortFrom(peerIP, 9000)

	// B speaks first (its direction is clean): resolving A teaches A
	// B's MAC, so A's datagrams need no ARP of their own.
	if _, err := cb.WriteToUDPAddrPort([]byte("hello"), netip.AddrPortFrom(dutIP, 9001)); err != nil {
		t.Fatal(err)
	}
	ca.SetReadDeadline(time.Now().Add(30 * time.Second))
	buf := make([]byte, 2048)
	if _, _, err := ca.ReadFromUDPAddrPort(buf); err != nil {
		t.Fatalf("B->A: %v", err)
	}

	type result struct {
		got, outOfOrder, dup int
	}
	done := make(chan result)
	count := make(chan int, 1)
	go func() {
		var r result
		seen := make([]bool, n)
		last := -1
		rb := make([]byte, 2048)
		for {
			m, _, err := cb.ReadFromUDPAddrPort(rb)
			if err != nil {
				done <- r
				return
			}
			seq := int(binary.BigEndian.Uint32(rb))
			if m != 200 || seq >= n {
				t.Errorf("bad datagram len %d seq %d", m, seq)
				continue
			}
			if seen[seq] {
				r.dup++
			}
			seen[seq] = true
			if seq < last {
				r.outOfOrder++
			}
			last = max(last, seq)
			r.got++
			select {
			case <-count:
			default:
			}
			count <- r.got
		}
	}()

	// settle waits until impair holds nothing and B has read every frame
	// it passed (a sync point, not a timing assumption).
	settle := func() {
		deadline := time.Now().Add(ioTimeout)
		for {
			tx, _ := ia.Counters()
			if tx.Held == 0 && sb.Stats().RxFrames == tx.Passed {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("not settled: impair %+v, B rx %d", tx, sb.Stats().RxFrames)
			}
			time.Sleep(time.Millisecond)
		}
	}
	payload := make([]byte, 200)
	for i := 0; i < n; i++ {
		binary.BigEndian.PutUint32(payload, uint32(i))
		if _, err := ca.WriteToUDPAddrPort(payload, bAddr); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
		if i%100 == 99 {
			settle()
		}
	}
	settle()
	tx, _ := ia.Counters()
	st := sb.Stats()
	udpFrames := st.RxFrames - st.ARPIn
	// Wait for the reader to have taken every delivered datagram.
	deadline := time.Now().Add(ioTimeout)
	for got := 0; uint64(got) < st.UDPIn; {
		select {
		case got = <-count:
		case <-time.After(time.Until(deadline)):
			t.Fatalf("reader got %d of %d", got, st.UDPIn)
		}
	}
	cb.Close()
	r := <-done

	if st.TotalDrops() != 0 {
		t.Errorf("B dropped frames: %+v", st.Drops)
	}
	if st.UDPIn != udpFrames || uint64(r.got) != udpFrames {
		t.Errorf("impair passed %d frames (%d UDP), B delivered %d, socket read %d", tx.Passed, udpFrames, st.UDPIn, r.got)
	}
	if tx.Duplicated != 0 || r.dup != 0 {
		t.Errorf("duplicates without duplication: %d %d", tx.Duplicated, r.dup)
	}
	if tx.Passed+tx.Dropped() != tx.Offered {
		t.Errorf("impair books: %+v", tx)
	}
	lost := n - r.got
	if lost < n*15/100 || lost > n*25/100 {
		t.Errorf("lost %d of %d with 20%% loss", lost, n)
	}
	if tx.Reordered == 0 || r.outOfOrder == 0 {
		t.Errorf("no reordering seen: impair %d, reader %d", tx.Reordered, r.outOfOrder)
	}
	t.Logf("sent %d, impair passed %d UDP (dropped %d, reordered %d), received %d, out of order %d",
		n, udpFrames, tx.DropLoss, tx.Reordered, r.got, r.outOfOrder)
}
