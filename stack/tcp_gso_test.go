package stack

import (
	"encoding/binary"
	"fmt"
	"io"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/nic"
	"github.com/tcpbox/tcpbox/nic/impair"
	"github.com/tcpbox/tcpbox/stack/wire"
)

// segLink is a link that takes TCPv4 super-frames and cuts them as the
// Linux kernel's GSO does (tcp_gso_segment, inet_gso_segment): the
// headers copied onto each gso_size piece, the sequence number advanced,
// IP length, ID and header checksum redone, PSH and FIN only on the last
// piece, and the TCP checksum finished from the partial (pseudo-header)
// sum the sender left, with the length replaced by the piece's. A wrong
// partial sum therefore reaches the peer as a bad checksum.
//
// With gather set it also takes frames in pieces (nic.Gatherer), as
// afpacket does, and counts them.
type segLink struct {
	nic.Link
	gather   bool
	mu       sync.Mutex
	out      []nic.Frame
	bufs     [][]byte
	flat     []byte
	supers   atomic.Int64
	pieces   atomic.Int64
	tailed   atomic.Int64 // frames that came with a Tail
	badFrame atomic.Int64
}

func (l *segLink) GSOMaxSize() int { return 65535 + 14 }
func (l *segLink) Gathers() bool   { return l.gather }

func (l *segLink) WriteBatch(frames []nic.Frame) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.out = l.out[:0]
	used := 0
	for _, f := range frames {
		if len(f.Tail) > 0 {
			l.tailed.Add(1)
			if !l.gather || f.Offload.GSOType == 0 || len(f.Tail) > nic.MaxTail {
				l.badFrame.Add(1)
				continue
			}
			// One flat copy per call is enough: segment copies out of it.
			l.flat = append(l.flat[:0], f.Data...)
			for _, t := range f.Tail {
				l.flat = append(l.flat, t...)
			}
			f = nic.Frame{Data: l.flat, Offload: f.Offload}
		}
		if f.Offload.GSOType == 0 {
			l.out = append(l.out, nic.Frame{Data: f.Data})
			continue
		}
		if err := l.segment(f, &used); err != nil {
			l.badFrame.Add(1)
		}
	}
	if _, err := l.Link.WriteBatch(l.out); err != nil {
		return 0, err
	}
	return len(frames), nil
}

func (l *segLink) segment(f nic.Frame, used *int) error {
	o := f.Offload
	d := f.Data
	hl := int(o.HdrLen)
	if o.GSOType != gsoTCPv4 || !o.NeedsChecksum || o.CsumStart != 34 || o.CsumOffset != 16 || hl > len(d) || o.GSOSize == 0 {
		return fmt.Errorf("offload %+v", o)
	}
	l.supers.Add(1)
	tcpLen := len(d) - 34
	partial := binary.BigEndian.Uint16(d[34+16:])
	// Take the super-frame's length out of the partial sum (ones'
	// complement subtraction is adding the complement).
	partial = wire.Combine(partial, ^uint16(tcpLen))
	seq := binary.BigEndian.Uint32(d[34+4:])
	id := binary.BigEndian.Uint16(d[14+4:])
	payload := d[hl:]
	for off, i := 0, 0; off < len(payload); i++ {
		n := min(int(o.GSOSize), len(payload)-off)
		if *used == len(l.bufs) {
			l.bufs = append(l.bufs, make([]byte, 1514))
		}
		p := l.bufs[*used][:hl+n]
		*used++
		copy(p, d[:hl])
		copy(p[hl:], payload[off:off+n])
		ip := p[14:34]
		binary.BigEndian.PutUint16(ip[2:], uint16(20+hl-34+n))
		binary.BigEndian.PutUint16(ip[4:], id+uint16(i))
		ip[10], ip[11] = 0, 0
		binary.BigEndian.PutUint16(ip[10:], wire.Checksum(ip, 0))
		th := p[34:]
		binary.BigEndian.PutUint32(th[4:], seq+uint32(off))
		if off+n < len(payload) {
			th[13] &^= 0x08 | 0x01 // PSH, FIN on the last piece only
		}
		binary.BigEndian.PutUint16(th[16:], wire.Combine(partial, uint16(len(th))))
		binary.BigEndian.PutUint16(th[16:], wire.Checksum(th, 0))
		l.out = append(l.out, nic.Frame{Data: p})
		l.pieces.Add(1)
		off += n
	}
	return nil
}

// Both stacks on links that segment: bulk data both ways leaves as
// super-segments and arrives intact (SHA-256) with no checksum drops;
// with payloads copied behind the headers, with payloads sent from the
// send buffer in pieces (gather), and in pieces through 3% loss, where
// retransmissions join super-segments too.
func TestTCPGSOTransfer(t *testing.T) {
	for _, tc := range []struct {
		name   string
		gather bool
		loss   float64
	}{
		{"copy", false, 0},
		{"gather", true, 0},
		{"gather-loss", true, 0.03},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var la, lb *segLink
			p := newTCPPair(t, tcpPairOptions{wrap: func(a, b nic.Link) (nic.Link, nic.Link) {
				if tc.loss > 0 {
					d := impair.Direction{Loss: tc.loss}
					a = impair.Wrap(a, impair.Profile{TX: d, RX: d}, 7)
				}
				la, lb = &segLink{Link: a, gather: tc.gather}, &segLink{Link: b, gather: tc.gather}
				return la, lb
			}})
			size := int64(8 << 20)
			if tc.loss > 0 {
				size = 2 << 20
			}
			transferBothWays(t, p, size, 120*time.Second)
			for name, l := range map[string]*segLink{"a": la, "b": lb} {
				if l.badFrame.Load() != 0 {
					t.Errorf("%s: %d malformed super-frames", name, l.badFrame.Load())
				}
				if l.supers.Load() == 0 || l.pieces.Load() < 2*l.supers.Load() {
					t.Errorf("%s: %d super-frames cut into %d pieces", name, l.supers.Load(), l.pieces.Load())
				}
				if tailed := l.tailed.Load(); tc.gather != (tailed > 0) {
					t.Errorf("%s: %d frames in pieces, gather %v", name, tailed, tc.gather)
				}
				t.Logf("%s: %d super-frames, %d pieces, %d frames given in pieces", name, l.supers.Load(), l.pieces.Load(), l.tailed.Load())
			}
			for name, s := range map[string]*Stack{"a": p.a, "b": p.b} {
				if n := s.Stats().Drops[DropTCPChecksum]; n != 0 {
					t.Errorf("%s: %d checksum drops", name, n)
				}
			}
			if tc.loss > 0 {
				var retrans uint64
				for _, i := range p.a.TCPConnections() {
					retrans += uint64(i.TotalRetrans)
				}
				for _, i := range p.b.TCPConnections() {
					retrans += uint64(i.TotalRetrans)
				}
				t.Logf("%d retransmissions", retrans)
				if retrans == 0 {
					t.Error("no retransmissions: the loss case did not test them")
				}
			}
		})
	}
}

// TestTCPGSOZeroAllocs: eight full segments written at once leave as one
// super-segment (tcp_gso.go), are cut by the link, received, read and
// acknowledged, and nothing allocates in steady state.
func TestTCPGSOZeroAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop buffers at random")
	}
	for _, gather := range []bool{false, true} {
		t.Run(fmt.Sprintf("gather=%v", gather), func(t *testing.T) { testTCPGSOZeroAllocs(t, gather) })
	}
}

func testTCPGSOZeroAllocs(t *testing.T, gather bool) {
	var la *segLink
	p := newTCPPair(t, tcpPairOptions{wrap: func(a, b nic.Link) (nic.Link, nic.Link) {
		la = &segLink{Link: a, gather: gather}
		return la, &segLink{Link: b, gather: gather}
	}})
	ln, err := p.b.ListenTCP(netip.AddrPortFrom(netip.IPv4Unspecified(), 5003))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := p.a.DialTCP(dialCtx(t), netip.AddrPortFrom(p.bAddr, 5003))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ln.SetDeadline(time.Now().Add(20 * time.Second))
	s, err := ln.AcceptTCP()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	msg := make([]byte, 8*1448)
	buf := make([]byte, len(msg))
	round := func() {
		if _, err := c.Write(msg); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(s, buf); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 200; i++ {
		round()
	}
	supers := la.supers.Load()
	allocs := testing.AllocsPerRun(300, round)
	if la.supers.Load()-supers < 300 {
		t.Fatalf("%d super-frames in 300 rounds: the GSO path was not taken", la.supers.Load()-supers)
	}
	t.Logf("%.3f allocations per round of 8 segments", allocs)
	if allocs >= 0.1 {
		t.Fatalf("%.2f allocations per round on the GSO send path", allocs)
	}
}
