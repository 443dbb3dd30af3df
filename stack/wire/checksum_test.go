package wire

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"
)

// refSum is RFC 1071's plain loop over 16-bit words: the reference the
// fast Sum must equal.
func refSum(b []byte, initial uint16) uint16 {
	s := uint32(initial)
	for len(b) >= 2 {
		s += uint32(binary.BigEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		s += uint32(b[0]) << 8
	}
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return uint16(s)
}

func TestSumMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 300; n++ {
		for _, fill := range []string{"rand", "ff", "00"} {
			b := make([]byte, n)
			for i := range b {
				switch fill {
				case "rand":
					b[i] = byte(r.Uint32())
				case "ff":
					b[i] = 0xff
				}
			}
			for _, init := range []uint16{0, 1, 0xfffe, 0xffff, uint16(r.Uint32())} {
				if got, want := Sum(b, init), refSum(b, init); got != want {
					t.Fatalf("len %d %s init %#x: Sum %#04x, reference %#04x", n, fill, init, got, want)
				}
			}
		}
	}
}

// RFC 1071 §3's worked example: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2.
func TestSumRFC1071Example(t *testing.T) {
	if got := Sum([]byte{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7}, 0); got != 0xddf2 {
		t.Fatalf("Sum = %#04x, want 0xddf2", got)
	}
}

func TestIncrementalMatchesFull(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 2000; i++ {
		b := make([]byte, 2+2*r.IntN(40))
		for j := range b {
			b[j] = byte(r.Uint32())
		}
		// Make the header verify: put its checksum in the first word.
		binary.BigEndian.PutUint16(b, 0)
		binary.BigEndian.PutUint16(b, Checksum(b, 0))
		k := 2 + 2*r.IntN(len(b)/2-0)
		if k >= len(b) {
			k = len(b) - 2
		}
		if k < 2 {
			continue
		}
		old := binary.BigEndian.Uint16(b[k:])
		nw := uint16(r.Uint32())
		if i%7 == 0 {
			nw = 0
		}
		binary.BigEndian.PutUint16(b[k:], nw)
		hc := UpdateChecksum(binary.BigEndian.Uint16(b), old, nw)
		binary.BigEndian.PutUint16(b, hc)
		if refSum(b[2:], 0) == 0 {
			// All-zero data: its only checksum is 0xffff, which no real
			// header (IPv4's version, UDP's length) can reach; RFC 1624
			// §3 notes eqn. 3 yields 0x0000 here.
			continue
		}
		if Sum(b, 0) != 0xffff {
			t.Fatalf("case %d: incremental checksum %#04x does not verify", i, hc)
		}
	}
}

func TestUpdateChecksum32(t *testing.T) {
	b := mustHex(t, goldenTCP)[20:]
	src, dst := peerIP, dutIP
	if !TCP(b).VerifyChecksum(src, dst) {
		t.Fatal("golden TCP does not verify")
	}
	old := binary.BigEndian.Uint32(b[4:])
	binary.BigEndian.PutUint32(b[4:], 0xdeadbeef)
	binary.BigEndian.PutUint16(b[16:], UpdateChecksum32(binary.BigEndian.Uint16(b[16:]), old, 0xdeadbeef))
	if !TCP(b).VerifyChecksum(src, dst) {
		t.Fatal("after a 32-bit incremental update the checksum does not verify")
	}
}

func FuzzSum(f *testing.F) {
	f.Add([]byte{}, uint16(0))
	f.Add([]byte{0xff}, uint16(0xffff))
	f.Add([]byte{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7}, uint16(0))
	f.Fuzz(func(t *testing.T, b []byte, init uint16) {
		if got, want := Sum(b, init), refSum(b, init); got != want {
			t.Fatalf("Sum %#04x, reference %#04x", got, want)
		}
	})
}

func BenchmarkSum(b *testing.B) {
	for _, n := range []int{20, 64, 1500, 9000, 65535} {
		buf := make([]byte, n)
		for i := range buf {
			buf[i] = byte(i)
		}
		b.Run(itoa(n), func(b *testing.B) {
			b.SetBytes(int64(n))
			for b.Loop() {
				Sum(buf, 0)
			}
		})
	}
}

func BenchmarkSumReference(b *testing.B) {
	buf := make([]byte, 1500)
	b.SetBytes(1500)
	for b.Loop() {
		refSum(buf, 0)
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var d []byte
	for ; n > 0; n /= 10 {
		d = append([]byte{byte('0' + n%10)}, d...)
	}
	return string(d)
}
