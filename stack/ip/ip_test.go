package ip

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/stack/wire"
)

var (
	src = netip.MustParseAddr("198.18.0.1")
	dst = netip.MustParseAddr("198.18.0.2")
)

func frag(id uint16, off int, mf bool, data []byte) wire.IPv4 {
	h := wire.IPv4Header{ID: id, FragOffset: off, MF: mf, TTL: 64, Protocol: 17, Src: src, Dst: dst, PayloadLen: len(data)}
	b := make([]byte, 20+len(data))
	h.Encode(b)
	copy(b[20:], data)
	p, err := wire.ParseIPv4(b)
	if err != nil {
		panic(err)
	}
	return p
}

func payload(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i * 7)
	}
	return b
}

// split cuts data into fragments of per bytes (a multiple of 8).
func split(id uint16, data []byte, per int) []wire.IPv4 {
	var out []wire.IPv4
	for off := 0; off < len(data); off += per {
		n := min(per, len(data)-off)
		out = append(out, frag(id, off, off+n < len(data), data[off:off+n]))
	}
	return out
}

func TestReassembleAnyOrder(t *testing.T) {
	r := NewReassembler(ReassemblyConfig{})
	data := payload(4000)
	rng := rand.New(rand.NewPCG(1, 1))
	for trial := 0; trial < 50; trial++ {
		fs := split(uint16(trial), data, 1480-8*rng.IntN(100))
		rng.Shuffle(len(fs), func(i, j int) { fs[i], fs[j] = fs[j], fs[i] })
		var got wire.IPv4
		for i, f := range fs {
			p, err := r.Add(0, f)
			if err != nil {
				t.Fatalf("trial %d fragment %d: %v", trial, i, err)
			}
			if p != nil {
				if i != len(fs)-1 {
					t.Fatalf("complete after %d of %d fragments", i+1, len(fs))
				}
				got = p
			}
		}
		if got == nil {
			t.Fatalf("trial %d: never completed", trial)
		}
		whole, err := wire.ParseIPv4(got)
		if err != nil || whole.IsFragment() || !bytes.Equal(whole.Payload(), data) || whole.Src() != src || whole.ID() != uint16(trial) {
			t.Fatalf("trial %d: bad datagram %v", trial, err)
		}
	}
	if r.Pending() != 0 {
		t.Fatalf("pending %d", r.Pending())
	}
}

func TestReassemblyRejects(t *testing.T) {
	data := payload(64)
	cases := []struct {
		name  string
		frags []wire.IPv4
		err   error
	}{
		{"non-final not multiple of 8", []wire.IPv4{frag(1, 0, true, data[:12])}, ErrFragBadLength},
		{"beyond 64 KiB", []wire.IPv4{frag(1, 65528, false, data[:16])}, ErrFragTooBig},
		{"overlap", []wire.IPv4{frag(1, 0, true, data[:16]), frag(1, 8, true, data[:16])}, ErrFragOverlap},
		{"duplicate", []wire.IPv4{frag(1, 0, true, data[:16]), frag(1, 0, true, data[:16])}, ErrFragDuplicate},
		{"two different ends", []wire.IPv4{frag(1, 16, false, data[:8]), frag(1, 24, false, data[:8])}, ErrFragMismatch},
		{"data past the end", []wire.IPv4{frag(1, 16, false, data[:8]), frag(1, 24, true, data[:8])}, ErrFragMismatch},
		{"end before data", []wire.IPv4{frag(1, 32, true, data[:8]), frag(1, 16, false, data[:8])}, ErrFragMismatch},
	}
	for _, c := range cases {
		r := NewReassembler(ReassemblyConfig{})
		var err error
		for _, f := range c.frags {
			_, err = r.Add(0, f)
		}
		if !errors.Is(err, c.err) {
			t.Errorf("%s: %v, want %v", c.name, err, c.err)
		}
	}
}

func TestReassemblyTotalLengthWithOptions(t *testing.T) {
	// 40 bytes of options on the first fragment and 65488 bytes of data:
	// 65548 in all, more than a total length field can say.
	r := NewReassembler(ReassemblyConfig{})
	data := payload(65488)
	h := wire.IPv4Header{ID: 3, MF: true, TTL: 64, Protocol: 17, Src: src, Dst: dst, Options: make([]byte, 40), PayloadLen: 1456}
	b := make([]byte, 60+1456)
	h.Encode(b)
	copy(b[60:], data)
	first, err := wire.ParseIPv4(b)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Add(0, first); err != nil {
		t.Fatal(err)
	}
	var got wire.IPv4
	var last error
	for off := 1456; off < len(data); off += 1480 {
		n := min(1480, len(data)-off)
		got, last = r.Add(0, frag(3, off, off+n < len(data), data[off:off+n]))
	}
	if got != nil || !errors.Is(last, ErrFragTooBig) || r.Pending() != 0 {
		t.Fatalf("oversized datagram: len %d, err %v, pending %d", len(got), last, r.Pending())
	}
}

func TestReassemblyTimeout(t *testing.T) {
	r := NewReassembler(ReassemblyConfig{Timeout: 30 * time.Second})
	data := payload(100)
	r.Add(time.Second, frag(1, 0, true, data[:48]))
	r.Add(2*time.Second, frag(2, 8, true, data[:8])) // no first fragment
	if d := r.NextDeadline(); d != 31*time.Second {
		t.Fatalf("deadline %v", d)
	}
	var quoted [][]byte
	r.Expire(30*time.Second, func(b []byte) { quoted = append(quoted, append([]byte(nil), b...)) })
	if r.Pending() != 2 || len(quoted) != 0 {
		t.Fatal("expired early")
	}
	r.Expire(32*time.Second, func(b []byte) { quoted = append(quoted, append([]byte(nil), b...)) })
	if r.Pending() != 0 || r.Bytes() != 0 {
		t.Fatalf("pending %d bytes %d", r.Pending(), r.Bytes())
	}
	// Time exceeded only for the datagram whose first fragment came, with
	// its header and 8 data bytes.
	if len(quoted) != 1 || len(quoted[0]) != 28 || !bytes.Equal(quoted[0][20:], data[:8]) {
		t.Fatalf("quoted %x", quoted)
	}
	// The rest still completes after a timeout of another.
	if p, _ := r.Add(40*time.Second, frag(1, 0, false, data[:8])); p == nil {
		t.Fatal("fresh datagram did not complete")
	}
}

func TestReassemblyMemoryBound(t *testing.T) {
	r := NewReassembler(ReassemblyConfig{MaxBytes: 64 << 10})
	data := payload(1480)
	for id := 0; id < 1000; id++ {
		r.Add(0, frag(uint16(id), 8*(id%100)*100, true, data[:1480])) // never complete
		if r.Bytes() > 64<<10 {
			t.Fatalf("bytes %d over the bound", r.Bytes())
		}
	}
	// A datagram needing more than the whole budget is refused.
	r2 := NewReassembler(ReassemblyConfig{MaxBytes: 8 << 10})
	if _, err := r2.Add(0, frag(1, 60000, true, data[:8])); !errors.Is(err, ErrFragMemory) {
		t.Fatalf("over budget: %v", err)
	}
	r3 := NewReassembler(ReassemblyConfig{MaxDatagrams: 3})
	for id := 0; id < 10; id++ {
		r3.Add(0, frag(uint16(id), 0, true, data[:8]))
	}
	if r3.Pending() != 3 {
		t.Fatalf("pending %d", r3.Pending())
	}
}

func TestFragmentsPlan(t *testing.T) {
	var got [][3]int
	ok := Fragments(1500, 20, 4008, func(off, n int, more bool) {
		m := 0
		if more {
			m = 1
		}
		got = append(got, [3]int{off, n, m})
	})
	want := [][3]int{{0, 1480, 1}, {1480, 1480, 1}, {2960, 1048, 0}}
	if !ok || len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("plan %v", got)
	}
	if Fragments(27, 20, 100, func(int, int, bool) {}) {
		t.Fatal("MTU 27 cannot carry 8 data bytes")
	}
	if FragmentData(1500, 24) != 1472 {
		t.Fatal("FragmentData")
	}
}

func TestRoutes(t *testing.T) {
	r := Routes{Prefix: netip.MustParsePrefix("198.18.0.2/24"), Gateway: netip.MustParseAddr("198.18.0.1")}
	for _, c := range []struct {
		dst   string
		hop   string
		bcast bool
		err   error
	}{
		{"198.18.0.7", "198.18.0.7", false, nil},
		{"198.19.5.5", "198.18.0.1", false, nil},
		{"198.18.0.255", "198.18.0.255", true, nil},
		{"255.255.255.255", "255.255.255.255", true, nil},
	} {
		hop, b, err := r.NextHop(netip.MustParseAddr(c.dst))
		if err != c.err || b != c.bcast || hop != netip.MustParseAddr(c.hop) {
			t.Errorf("%s: %v %v %v", c.dst, hop, b, err)
		}
	}
	if _, _, err := (Routes{Prefix: r.Prefix}).NextHop(netip.MustParseAddr("198.19.0.1")); !errors.Is(err, ErrNoRoute) {
		t.Error("no gateway: want ErrNoRoute")
	}
	if ours, _ := r.Local(netip.MustParseAddr("198.18.0.2")); !ours {
		t.Error("own address not local")
	}
	if _, b := r.Local(netip.MustParseAddr("198.18.0.255")); !b {
		t.Error("directed broadcast")
	}
	if o, b := r.Local(netip.MustParseAddr("198.18.0.3")); o || b {
		t.Error("other host is local")
	}
	for _, s := range []string{"224.0.0.1", "127.0.0.1", "255.255.255.255", "198.18.0.255", "0.0.0.0"} {
		if !r.BadSource(netip.MustParseAddr(s)) {
			t.Errorf("%s accepted as source", s)
		}
	}
	if r.BadSource(netip.MustParseAddr("198.18.0.1")) || r.BadSource(netip.MustParseAddr("203.0.113.9")) {
		t.Error("good source refused")
	}
	if (Routes{Prefix: netip.MustParsePrefix("198.18.0.2/31")}).Broadcast().IsValid() {
		t.Error("/31 has no broadcast (RFC 3021)")
	}
}

// FuzzReassembly feeds a sequence of fragments (offset, MF, length taken
// from the input) and checks the bounds and that any datagram returned is
// well formed.
func FuzzReassembly(f *testing.F) {
	f.Add([]byte{0, 0, 1, 185, 0, 185, 0, 10})
	f.Add([]byte{0, 1, 1, 1, 0, 1, 0, 1, 0, 0, 2, 0})
	f.Fuzz(func(t *testing.T, prog []byte) {
		r := NewReassembler(ReassemblyConfig{MaxBytes: 32 << 10, MaxDatagrams: 4})
		data := payload(0xffff)
		for len(prog) >= 4 {
			id := uint16(prog[0] & 3)
			off := (int(prog[1])<<8 | int(prog[2])) & 0x1fff * 8
			mf := prog[3]&1 == 1
			n := int(prog[3]>>1) * 8
			if prog[3]&0x80 != 0 {
				n++ // odd lengths too
			}
			prog = prog[4:]
			if off+n+20 > 0xffff {
				continue
			}
			p, err := r.Add(time.Duration(len(prog)), frag(id, off, mf, data[off:off+n]))
			if r.Bytes() > 32<<10 || r.Pending() > 4 {
				t.Fatalf("bounds: %d bytes %d pending", r.Bytes(), r.Pending())
			}
			if p != nil {
				if err != nil {
					t.Fatal("datagram and error")
				}
				w, err := wire.ParseIPv4(p)
				if err != nil || w.IsFragment() || !bytes.Equal(w.Payload(), data[:len(w.Payload())]) {
					t.Fatalf("bad reassembled datagram: %v", err)
				}
			}
		}
	})
}

// TestBroadcastEveryLength: the directed broadcast is the prefix's
// address with every host bit set, for every prefix length below /31,
// whatever host bits the configured address has; none for /31, /32.
func TestBroadcastEveryLength(t *testing.T) {
	for _, addr := range []string{"198.18.0.1", "198.19.255.254", "10.1.2.3", "0.0.0.0", "255.255.255.255"} {
		for bits := 0; bits <= 32; bits++ {
			p := netip.PrefixFrom(netip.MustParseAddr(addr), bits)
			got := Routes{Prefix: p}.Broadcast()
			if bits >= 31 {
				if got.IsValid() {
					t.Errorf("%v: broadcast %v, want none", p, got)
				}
				continue
			}
			want := p.Masked().Addr().As4()
			for i := bits; i < 32; i++ {
				want[i/8] |= 0x80 >> (i % 8)
			}
			if got != netip.AddrFrom4(want) {
				t.Errorf("%v: broadcast %v, want %v", p, got, netip.AddrFrom4(want))
			}
		}
	}
}
