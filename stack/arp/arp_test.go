package arp

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/stack/wire"
)

var (
	peer    = netip.MustParseAddr("198.18.0.1")
	peerMAC = [6]byte{2, 0, 0, 0, 0, 1}
	ourMAC  = [6]byte{2, 0, 0, 0, 0, 2}
	our     = netip.MustParseAddr("198.18.0.2")
)

type recorder struct {
	requests []netip.Addr
	sent     []int
	dropped  []int
	errs     []error
}

func newCache(cfg Config) (*Cache[int], *recorder) {
	r := &recorder{}
	c := New(cfg, Hooks[int]{
		Request: func(ip netip.Addr) { r.requests = append(r.requests, ip) },
		Send:    func(mac [6]byte, p int) { r.sent = append(r.sent, p) },
		Drop:    func(p int, err error) { r.dropped = append(r.dropped, p); r.errs = append(r.errs, err) },
	})
	return c, r
}

func arpPacket(op uint16, smac [6]byte, sip netip.Addr, tip netip.Addr) wire.ARP {
	b := make([]byte, wire.ARPLen)
	(&wire.ARPPacket{Op: op, SenderMAC: smac, SenderIP: sip, TargetIP: tip}).Encode(b)
	a, err := wire.ParseARP(b)
	if err != nil {
		panic(err)
	}
	return a
}

func TestResolveQueuesThenSendsOnReply(t *testing.T) {
	c, r := newCache(Config{QueueLen: 2})
	for i := 1; i <= 3; i++ {
		_, ok, err := c.Resolve(0, peer, i)
		if ok {
			t.Fatal("resolved without a reply")
		}
		if i <= 2 && err != nil || i == 3 && !errors.Is(err, ErrQueueFull) {
			t.Fatalf("packet %d: %v", i, err)
		}
	}
	if len(r.requests) != 1 {
		t.Fatalf("requests %v: want one while resolving", r.requests)
	}
	c.Input(time.Millisecond, arpPacket(wire.ARPReply, peerMAC, peer, our), true)
	if len(r.sent) != 2 || r.sent[0] != 1 || r.sent[1] != 2 {
		t.Fatalf("sent %v", r.sent)
	}
	mac, ok, err := c.Resolve(time.Second, peer, 4)
	if !ok || err != nil || mac != peerMAC {
		t.Fatalf("after reply: %v %v %x", ok, err, mac)
	}
}

func TestRetriesBackOffThenFail(t *testing.T) {
	c, r := newCache(Config{Retries: 3, RetryBase: time.Second, Failed: 3 * time.Second})
	c.Resolve(0, peer, 1)
	// Requests at 0, 1 s, then 1+2 = 3 s; failure at 3+4 = 7 s.
	var at []time.Duration
	now := time.Duration(0)
	for now <= 10*time.Second {
		before := len(r.requests)
		if d := c.NextDeadline(); d != 0 && d <= now {
			c.Tick(now)
		}
		if len(r.requests) > before {
			at = append(at, now)
		}
		now += 100 * time.Millisecond
	}
	if len(at) != 2 || at[0] != time.Second || at[1] != 3*time.Second {
		t.Fatalf("retries at %v, want [1s 3s]", at)
	}
	if len(r.dropped) != 1 || !errors.Is(r.errs[0], ErrFailed) {
		t.Fatalf("dropped %v %v", r.dropped, r.errs)
	}
	// While failed, new packets are refused at once.
	c2, _ := newCache(Config{})
	c2.Resolve(0, peer, 1)
	for now := time.Duration(0); now < 8*time.Second; now += 100 * time.Millisecond {
		c2.Tick(now)
	}
	if _, _, err := c2.Resolve(8*time.Second, peer, 2); !errors.Is(err, ErrFailed) {
		t.Fatalf("during failed period: %v", err)
	}
}

func TestLearnOnlyWhenAddressedOrKnown(t *testing.T) {
	c, _ := newCache(Config{})
	other := netip.MustParseAddr("198.18.0.9")
	// A request for someone else teaches nothing (RFC 826: merge only).
	if reply := c.Input(0, arpPacket(wire.ARPRequest, peerMAC, peer, other), false); reply {
		t.Fatal("replied to a request for another address")
	}
	if c.Len() != 0 {
		t.Fatal("learned from a request not for us")
	}
	if reply := c.Input(0, arpPacket(wire.ARPRequest, peerMAC, peer, our), true); !reply {
		t.Fatal("no reply to a request for us")
	}
	if _, ok := c.Lookup(0, peer); !ok {
		t.Fatal("did not learn the requester")
	}
	// A known sender's new MAC is merged even from a packet not for us.
	newMAC := [6]byte{2, 0, 0, 0, 0, 0x11}
	c.Input(time.Second, arpPacket(wire.ARPRequest, newMAC, peer, other), false)
	if mac, _ := c.Lookup(time.Second, peer); mac != newMAC {
		t.Fatalf("merge: %x", mac)
	}
	// Replies are never answered.
	if c.Input(time.Second, arpPacket(wire.ARPReply, peerMAC, peer, our), true) {
		t.Fatal("answered a reply")
	}
	// Probes (sender 0.0.0.0) teach nothing but are answered when for us.
	if !c.Input(time.Second, arpPacket(wire.ARPRequest, newMAC, netip.IPv4Unspecified(), our), true) || c.Len() != 1 {
		t.Fatal("probe handling")
	}
}

func TestAgingRevalidates(t *testing.T) {
	c, r := newCache(Config{Reachable: 10 * time.Second, Retries: 3, RetryBase: time.Second})
	c.Input(0, arpPacket(wire.ARPRequest, peerMAC, peer, our), true)
	if mac, ok, _ := c.Resolve(9*time.Second, peer, 1); !ok || mac != peerMAC || len(r.requests) != 0 {
		t.Fatal("fresh entry not used, or probed early")
	}
	// Past freshness the entry is still used (no stall, nothing queued)
	// and one request revalidates it.
	if mac, ok, _ := c.Resolve(11*time.Second, peer, 2); !ok || mac != peerMAC || len(r.requests) != 1 {
		t.Fatalf("stale entry: ok %v requests %v", ok, r.requests)
	}
	if _, ok, _ := c.Resolve(11*time.Second, peer, 3); !ok || len(r.requests) != 1 {
		t.Fatal("a second use sent a second request")
	}
	// Retries at 12 s and 14 s, then the entry is dropped at 18 s.
	for now := 11 * time.Second; now <= 20*time.Second; now += 100 * time.Millisecond {
		if d := c.NextDeadline(); d != 0 && d <= now {
			c.Tick(now)
		}
	}
	if len(r.requests) != 3 || c.Len() != 0 {
		t.Fatalf("revalidation without answer: requests %v, entries %d", r.requests, c.Len())
	}
	// An answer during revalidation makes it fresh again.
	c2, r2 := newCache(Config{Reachable: 10 * time.Second})
	c2.Input(0, arpPacket(wire.ARPRequest, peerMAC, peer, our), true)
	c2.Resolve(11*time.Second, peer, 1)
	c2.Input(11*time.Second+time.Millisecond, arpPacket(wire.ARPReply, peerMAC, peer, our), true)
	c2.Tick(15 * time.Second)
	if _, ok, _ := c2.Resolve(15*time.Second, peer, 2); !ok || len(r2.requests) != 1 {
		t.Fatalf("after the answer: ok %v requests %v", ok, r2.requests)
	}
	// An entry nobody uses is forgotten after two periods.
	c3, _ := newCache(Config{Reachable: 10 * time.Second})
	c3.Input(0, arpPacket(wire.ARPRequest, peerMAC, peer, our), true)
	c3.Tick(19 * time.Second)
	if c3.Len() != 1 {
		t.Fatal("forgotten early")
	}
	c3.Tick(20 * time.Second)
	if c3.Len() != 0 {
		t.Fatal("an unused entry was kept")
	}
}

func TestTableBounded(t *testing.T) {
	c, _ := newCache(Config{MaxEntries: 4})
	for i := 0; i < 10; i++ {
		ip := netip.AddrFrom4([4]byte{198, 18, 1, byte(i)})
		_, _, err := c.Resolve(0, ip, i)
		if i >= 4 && !errors.Is(err, ErrTableFull) {
			t.Fatalf("entry %d: %v", i, err)
		}
	}
	if c.Len() != 4 {
		t.Fatalf("len %d", c.Len())
	}
}

func TestFlushDropsQueued(t *testing.T) {
	c, r := newCache(Config{})
	c.Resolve(0, peer, 7)
	c.Flush()
	if len(r.dropped) != 1 || r.dropped[0] != 7 || c.Len() != 0 {
		t.Fatalf("flush: %v", r.dropped)
	}
}

func TestQueuedBoundedOverall(t *testing.T) {
	c, r := newCache(Config{QueueLen: 4, MaxQueued: 6})
	refused := 0
	for i := 0; i < 3; i++ {
		ip := netip.AddrFrom4([4]byte{198, 18, 1, byte(i)})
		for j := 0; j < 4; j++ {
			if _, _, err := c.Resolve(0, ip, 10*i+j); errors.Is(err, ErrQueueFull) {
				refused++
			}
		}
	}
	if refused != 6 {
		t.Fatalf("refused %d of 12, want 6 (the overall bound)", refused)
	}
	// A resolution frees its share.
	c.Input(0, arpPacket(wire.ARPReply, peerMAC, netip.AddrFrom4([4]byte{198, 18, 1, 0}), our), true)
	if len(r.sent) != 4 {
		t.Fatalf("sent %v", r.sent)
	}
	if _, _, err := c.Resolve(0, netip.AddrFrom4([4]byte{198, 18, 1, 2}), 99); err != nil {
		t.Fatalf("after release: %v", err)
	}
}

// FuzzCache drives the cache with a program of ARP packets, resolutions
// and ticks; the bounds must hold and every queued packet must end sent
// or dropped, never lost or duplicated.
func FuzzCache(f *testing.F) {
	f.Add([]byte{0, 1, 0, 1, 2, 1, 3, 0, 1, 1})
	f.Add([]byte{1, 5, 1, 5, 1, 5, 3, 200, 3, 200, 0, 5})
	f.Fuzz(func(t *testing.T, prog []byte) {
		out := map[int]int{}
		c := New(Config{MaxEntries: 8, QueueLen: 3, MaxQueued: 10, Reachable: 5 * time.Second}, Hooks[int]{
			Request: func(netip.Addr) {},
			Send:    func(_ [6]byte, p int) { out[p]++ },
			Drop:    func(p int, _ error) { out[p]++ },
		})
		now := time.Duration(0)
		next := 0
		refused := map[int]bool{}
		for len(prog) >= 2 {
			op, arg := prog[0]%4, prog[1]
			prog = prog[2:]
			ip := netip.AddrFrom4([4]byte{198, 18, 0, arg % 16})
			switch op {
			case 0: // a reply from ip
				c.Input(now, arpPacket(wire.ARPReply, [6]byte{2, 0, 0, 0, 1, arg}, ip, our), arg%2 == 0)
			case 1: // a packet for ip
				next++
				if _, ok, err := c.Resolve(now, ip, next); ok || err != nil {
					refused[next] = true // sent directly or refused: not the cache's
				}
			case 2:
				c.Tick(now)
			case 3:
				now += time.Duration(arg) * 50 * time.Millisecond
			}
			if c.Len() > 8 || c.queued > 10 || c.queued < 0 {
				t.Fatalf("bounds: %d entries, %d queued", c.Len(), c.queued)
			}
		}
		c.Flush()
		for p := 1; p <= next; p++ {
			want := 1
			if refused[p] {
				want = 0
			}
			if out[p] != want {
				t.Fatalf("packet %d handed back %d times, want %d", p, out[p], want)
			}
		}
	})
}
