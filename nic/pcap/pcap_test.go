package pcap

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/nic"
	"github.com/tcpbox/tcpbox/nic/memlink"
)

var t0 = time.Unix(1700000000, 123456789)

func payload(i, n int) []byte {
	b := make([]byte, n)
	for j := range b {
		b[j] = byte(i*7 + j)
	}
	return b
}

func readAll(t *testing.T, r io.Reader) []Record {
	t.Helper()
	pr, err := NewReader(r)
	if err != nil {
		t.Fatal(err)
	}
	var out []Record
	for {
		rec, err := pr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		rec.Data = append([]byte(nil), rec.Data...)
		out = append(out, rec)
	}
}

func TestWriterReaderRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, 100)
	if err != nil {
		t.Fatal(err)
	}
	sizes := []int{60, 100, 101, 1514}
	for i, n := range sizes {
		if err := w.WriteFrame(t0.Add(time.Duration(i)), payload(i, n)); err != nil {
			t.Fatal(err)
		}
	}
	hdr := buf.Bytes()[:fileHeaderLen]
	if binary.LittleEndian.Uint32(hdr) != 0xa1b23c4d || binary.LittleEndian.Uint32(hdr[20:]) != 1 ||
		binary.LittleEndian.Uint32(hdr[16:]) != 100 {
		t.Fatalf("file header % x", hdr)
	}
	recs := readAll(t, &buf)
	if len(recs) != len(sizes) {
		t.Fatalf("%d records", len(recs))
	}
	for i, rec := range recs {
		want := payload(i, sizes[i])
		if len(want) > 100 {
			want = want[:100]
		}
		if !bytes.Equal(rec.Data, want) || rec.OrigLen != sizes[i] || !rec.Time.Equal(t0.Add(time.Duration(i))) {
			t.Errorf("record %d: len %d orig %d time %v", i, len(rec.Data), rec.OrigLen, rec.Time)
		}
	}
}

// TestReaderVariants reads hand-built files in both byte orders with
// microsecond and nanosecond timestamps.
func TestReaderVariants(t *testing.T) {
	for _, tc := range []struct {
		name  string
		order binary.ByteOrder
		magic uint32
		frac  uint32
		want  time.Time
	}{
		{"le-micro", binary.LittleEndian, magicMicro, 5, time.Unix(10, 5000)},
		{"be-micro", binary.BigEndian, magicMicro, 5, time.Unix(10, 5000)},
		{"le-nano", binary.LittleEndian, magicNano, 5, time.Unix(10, 5)},
		{"be-nano", binary.BigEndian, magicNano, 5, time.Unix(10, 5)},
	} {
		b := make([]byte, fileHeaderLen+recordHeaderLen+3)
		o := tc.order
		o.PutUint32(b[0:], tc.magic)
		o.PutUint16(b[4:], 2)
		o.PutUint16(b[6:], 4)
		o.PutUint32(b[16:], 65535)
		o.PutUint32(b[20:], 1)
		o.PutUint32(b[24:], 10)
		o.PutUint32(b[28:], tc.frac)
		o.PutUint32(b[32:], 3)
		o.PutUint32(b[36:], 9)
		copy(b[40:], "abc")
		recs := readAll(t, bytes.NewReader(b))
		if len(recs) != 1 || string(recs[0].Data) != "abc" || recs[0].OrigLen != 9 || !recs[0].Time.Equal(tc.want) {
			t.Errorf("%s: %+v", tc.name, recs)
		}
	}
}

func TestReaderRejects(t *testing.T) {
	var good bytes.Buffer
	w, _ := NewWriter(&good, 0)
	w.WriteFrame(t0, payload(0, 10))
	g := good.Bytes()
	mod := func(off int, v uint32) []byte {
		b := append([]byte(nil), g...)
		binary.LittleEndian.PutUint32(b[off:], v)
		return b
	}
	for _, tc := range []struct {
		name string
		b    []byte
		want error
	}{
		{"empty", nil, ErrTruncated},
		{"short header", g[:10], ErrTruncated},
		{"magic", mod(0, 0x12345678), ErrBadMagic},
		{"version", mod(4, 7), ErrVersion},
		{"short record header", g[:fileHeaderLen+5], ErrTruncated},
		{"short data", g[:len(g)-1], ErrTruncated},
		{"caplen above snap", mod(32, MaxSnapLen+1), ErrRecord},
		{"orig below cap", mod(36, 3), ErrRecord},
		{"nanoseconds overflow", mod(28, 1e9), ErrRecord},
	} {
		pr, err := NewReader(bytes.NewReader(tc.b))
		if err == nil {
			_, err = pr.Next()
		}
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestWrapBothDirections(t *testing.T) {
	a, b := memlink.Pair(1500, [6]byte{2}, [6]byte{4})
	defer b.Close()
	var buf bytes.Buffer
	tick := t0
	clock := func() time.Time { tick = tick.Add(time.Microsecond); return tick }
	wa := Wrap(a, &buf, Options{Clock: clock})
	defer wa.Close()
	out := make([]nic.Frame, 4)
	// a -> b (recorded on write), b -> a (recorded on read).
	wa.WriteBatch([]nic.Frame{{Data: payload(1, 60)}, {Data: payload(2, 61)}})
	b.WriteBatch([]nic.Frame{{Data: payload(3, 62)}})
	if n, err := wa.ReadBatch(out); n != 1 || err != nil {
		t.Fatalf("ReadBatch = %d, %v", n, err)
	}
	if wa.Err() != nil {
		t.Fatal(wa.Err())
	}
	recs := readAll(t, &buf)
	if len(recs) != 3 {
		t.Fatalf("%d records, want 3", len(recs))
	}
	for i, rec := range recs {
		if !bytes.Equal(rec.Data, payload(i+1, 60+i)) {
			t.Errorf("record %d differs", i)
		}
	}
	if !recs[2].Time.After(recs[0].Time) {
		t.Errorf("timestamps not from the clock: %v %v", recs[0].Time, recs[2].Time)
	}
}

type failWriter struct{ n int }

func (f *failWriter) Write(p []byte) (int, error) {
	if f.n--; f.n < 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

func TestWrapSinkErrorDoesNotFailLink(t *testing.T) {
	a, b := memlink.Pair(1500, [6]byte{2}, [6]byte{4})
	defer b.Close()
	wa := Wrap(a, &failWriter{n: 1}, Options{})
	defer wa.Close()
	if n, err := wa.WriteBatch([]nic.Frame{{Data: payload(0, 60)}}); n != 1 || err != nil {
		t.Fatalf("WriteBatch = %d, %v", n, err)
	}
	if wa.Err() == nil {
		t.Fatal("sink error not reported")
	}
	if n, err := b.ReadBatch(make([]nic.Frame, 2)); n != 1 || err != nil {
		t.Fatalf("frame not passed on: %d, %v", n, err)
	}
}

// TestWrapConcurrentWriters checks that records from concurrent
// WriteBatch calls never interleave: every record must read back whole.
func TestWrapConcurrentWriters(t *testing.T) {
	a, b := memlink.New(memlink.Options{MTU: 1500, QueueLen: 8})
	defer b.Close()
	var buf bytes.Buffer
	wa := Wrap(a, &buf, Options{})
	defer wa.Close()
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f := []nic.Frame{{Data: bytes.Repeat([]byte{byte(g)}, 100+g)}}
			for i := 0; i < 500; i++ {
				wa.WriteBatch(f)
			}
		}()
	}
	wg.Wait()
	recs := readAll(t, &buf)
	if len(recs) != 2000 {
		t.Fatalf("%d records", len(recs))
	}
	for i, rec := range recs {
		g := len(rec.Data) - 100
		if g < 0 || g > 3 || !bytes.Equal(rec.Data, bytes.Repeat([]byte{byte(g)}, 100+g)) {
			t.Fatalf("record %d mangled", i)
		}
	}
}

func TestWrapZeroAllocs(t *testing.T) {
	a, b := memlink.Pair(1500, [6]byte{2}, [6]byte{4})
	defer b.Close()
	wa := Wrap(a, io.Discard, Options{})
	defer wa.Close()
	in := []nic.Frame{{Data: payload(0, 1514)}, {Data: payload(1, 60)}}
	out := make([]nic.Frame, 4)
	wb := WrapSink(b, NewRing(RingOptions{MaxBytes: 1 << 16}), nil)
	allocs := testing.AllocsPerRun(200, func() {
		wa.WriteBatch(in)
		wb.ReadBatch(out)
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per batch, want 0", allocs)
	}
}

// TestRingModel offers random frames to small rings and checks after each
// one that the ring holds exactly the longest suffix of kept frames that
// fits its bounds, as a pcap stream the Reader accepts.
func TestRingModel(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		rng := rand.New(rand.NewPCG(seed, 0))
		o := RingOptions{MaxBytes: 200 + rng.IntN(800), MaxFrames: 1 + rng.IntN(12), SnapLen: 50 + rng.IntN(200)}
		odd := seed%2 == 0
		if odd {
			o.Filter = func(f []byte) bool { return f[0]%2 == 1 }
		}
		r := NewRing(o)
		var kept [][]byte
		for i := 0; i < 300; i++ {
			f := payload(i, 1+rng.IntN(300))
			r.WriteFrame(t0.Add(time.Duration(i)), f)
			if !odd || f[0]%2 == 1 {
				kept = append(kept, f)
			}
			var buf bytes.Buffer
			r.WriteTo(&buf)
			got := readAll(t, &buf)
			if len(got) > o.MaxFrames {
				t.Fatalf("seed %d: %d frames > %d", seed, len(got), o.MaxFrames)
			}
			total := 0
			for j, rec := range got {
				want := kept[len(kept)-len(got)+j]
				snap := want[:min(len(want), min(o.SnapLen, o.MaxBytes))]
				if !bytes.Equal(rec.Data, snap) || rec.OrigLen != len(want) {
					t.Fatalf("seed %d step %d: record %d is not the expected suffix", seed, i, j)
				}
				total += len(rec.Data)
			}
			if total > o.MaxBytes {
				t.Fatalf("seed %d: %d bytes > %d", seed, total, o.MaxBytes)
			}
			if len(kept) > 0 && len(got) == 0 {
				t.Fatalf("seed %d step %d: newest frame not kept", seed, i)
			}
			// The suffix is the longest that fits: one more older frame
			// would break a bound. The ring may waste at most one
			// SnapLen of space at its wrap point.
			if n := len(got); n < len(kept) && n < o.MaxFrames {
				older := kept[len(kept)-n-1]
				if total+min(len(older), o.SnapLen)+o.SnapLen <= o.MaxBytes {
					t.Fatalf("seed %d step %d: evicted too much (%d frames, %d bytes)", seed, i, n, total)
				}
			}
		}
		if s := r.Stats(); s.Seen != 300 || s.Kept != uint64(len(kept)) {
			t.Fatalf("stats %+v, kept %d", s, len(kept))
		}
	}
}

func BenchmarkWrapWrite(b *testing.B) {
	x, y := memlink.Pair(1500, [6]byte{2}, [6]byte{4})
	defer y.Close()
	wx := Wrap(x, io.Discard, Options{})
	in := make([]nic.Frame, 32)
	for i := range in {
		in[i].Data = payload(i, 1514)
	}
	out := make([]nic.Frame, 32)
	b.ReportAllocs()
	for b.Loop() {
		wx.WriteBatch(in)
		y.ReadBatch(out)
	}
	b.ReportMetric(float64(b.N*32)/b.Elapsed().Seconds(), "frames/s")
}

// partialUDPFrame returns a UDP frame with n bytes of payload, the same
// frame with only the pseudo-header sum (RFC 768) in its checksum field,
// as a veth with offloads on hands it over, and that frame's Offload.
func partialUDPFrame(n int) (full, partial []byte, off nic.Offload) {
	full = udpFrame(7, payload(1, n))
	partial = append([]byte(nil), full...)
	ps := sum(partial[26:34], 17+uint32(len(partial)-34))
	binary.BigEndian.PutUint16(partial[40:], fold(ps))
	return full, partial, nic.Offload{NeedsChecksum: true, CsumStart: 34, CsumOffset: 6}
}

// TestWrapCompletesPartialChecksum: a frame with only the pseudo-header
// sum and NeedsChecksum is recorded with its real checksum (tshark judges
// it good), and passed on unchanged.
func TestWrapCompletesPartialChecksum(t *testing.T) {
	full, partial, off := partialUDPFrame(33)

	for _, raw := range []bool{false, true} {
		a, b := memlink.Pair(1500, [6]byte{2}, [6]byte{4})
		var buf bytes.Buffer
		wa := Wrap(a, &buf, Options{RawChecksums: raw})
		sent := append([]byte(nil), partial...)
		wa.WriteBatch([]nic.Frame{{Data: sent, Offload: off}})
		out := make([]nic.Frame, 1)
		b.ReadBatch(out)
		if !bytes.Equal(out[0].Data, partial) || !bytes.Equal(sent, partial) {
			t.Fatal("the tee changed the frame it passed on")
		}
		recs := readAll(t, &buf)
		want := full
		if raw {
			want = partial
		}
		if len(recs) != 1 || !bytes.Equal(recs[0].Data, want) {
			t.Errorf("raw=%v: recorded % x\nwant % x", raw, recs[0].Data[34:42], want[34:42])
		}
		wa.Close()
		b.Close()
	}
}

// orderLink answers every written frame at once, from inside WriteBatch,
// as a fast peer on another goroutine may: the answer is readable before
// WriteBatch returns.
type orderLink struct {
	nic.Link
	tee *Link
}

func (o *orderLink) WriteBatch(frames []nic.Frame) (int, error) {
	// The peer's answer is read (and recorded) before the write returns.
	o.tee.sink.WriteFrame(o.tee.clock(), []byte("answer"))
	return len(frames), nil
}

func TestWrapRecordsSendBeforeWrite(t *testing.T) {
	a, b := memlink.Pair(1500, [6]byte{2}, [6]byte{4})
	defer a.Close()
	defer b.Close()
	var buf bytes.Buffer
	ol := &orderLink{Link: a}
	tee := Wrap(ol, &buf, Options{})
	ol.tee = tee
	tee.WriteBatch([]nic.Frame{{Data: []byte("request")}, {Data: payload(0, 1600)}, {Data: []byte("after")}})
	recs := readAll(t, &buf)
	if len(recs) != 2 || string(recs[0].Data) != "request" || string(recs[1].Data) != "answer" {
		var got []string
		for _, r := range recs {
			got = append(got, string(r.Data[:min(len(r.Data), 8)]))
		}
		t.Fatalf("records %q, want [request answer] (oversize frame and what follows unrecorded)", got)
	}
}

// optLink is a link with the optional methods a stack looks for.
type optLink struct {
	nic.Link
	pending bool
}

func (optLink) GSOMaxSize() int    { return 65549 }
func (optLink) MaxFrameLen() int   { return 65553 }
func (o *optLink) RxPending() bool { return o.pending }

// TestWrapForwardsOptional: the tee passes GSOMaxSize, MaxFrameLen and
// RxPending through, and gives a link without them the plain answers.
func TestWrapForwardsOptional(t *testing.T) {
	a, b := memlink.Pair(1500, [6]byte{2}, [6]byte{4})
	defer a.Close()
	defer b.Close()
	o := &optLink{Link: a, pending: true}
	for _, w := range []*Link{Wrap(o, io.Discard, Options{}), WrapSink(o, discard{}, nil)} {
		if g, m, p := w.GSOMaxSize(), w.MaxFrameLen(), w.RxPending(); g != 65549 || m != 65553 || !p {
			t.Errorf("wrapped: GSOMaxSize %d, MaxFrameLen %d, RxPending %v", g, m, p)
		}
	}
	o.pending = false
	if WrapSink(o, discard{}, nil).RxPending() {
		t.Error("RxPending true where the link says false")
	}
	w := WrapSink(b, discard{}, nil)
	if g, m, p := w.GSOMaxSize(), w.MaxFrameLen(), w.RxPending(); g != 0 || m != 1500+14+4 || p {
		t.Errorf("plain link: GSOMaxSize %d, MaxFrameLen %d, RxPending %v", g, m, p)
	}
}

// gatherLink takes frames in pieces (nic.Gatherer) and keeps what it is
// given.
type gatherLink struct {
	nic.Link
	got []nic.Frame
}

func (*gatherLink) Gathers() bool { return true }
func (g *gatherLink) WriteBatch(frames []nic.Frame) (int, error) {
	g.got = append(g.got, frames...)
	return len(frames), nil
}

// TestWrapRecordsPieces: a frame given in pieces (Frame.Tail) with a
// partial checksum is recorded whole, its checksum completed, and passed
// on in its pieces, unchanged; the tee gathers exactly when the link
// behind it does.
func TestWrapRecordsPieces(t *testing.T) {
	full, partial, off := partialUDPFrame(333)
	a, b := memlink.Pair(1500, [6]byte{2}, [6]byte{4})
	defer a.Close()
	defer b.Close()
	if WrapSink(a, discard{}, nil).Gathers() {
		t.Fatal("the tee gathers in front of a link that does not")
	}
	g := &gatherLink{Link: a}
	var buf bytes.Buffer
	w := Wrap(g, &buf, Options{})
	if !w.Gathers() {
		t.Fatal("the tee does not gather in front of a link that does")
	}
	head, t1, t2 := partial[:50], partial[50:200], partial[200:]
	if _, err := w.WriteBatch([]nic.Frame{{Data: head, Tail: [][]byte{t1, t2}, Offload: off}}); err != nil {
		t.Fatal(err)
	}
	if len(g.got) != 1 || len(g.got[0].Tail) != 2 || !bytes.Equal(g.got[0].Data, partial[:50]) ||
		!bytes.Equal(g.got[0].Tail[0], partial[50:200]) || !bytes.Equal(g.got[0].Tail[1], partial[200:]) {
		t.Fatalf("passed on %+v", g.got)
	}
	recs := readAll(t, &buf)
	if len(recs) != 1 || !bytes.Equal(recs[0].Data, full) {
		t.Fatalf("recorded %d frames; want the whole frame with its checksum", len(recs))
	}
}
