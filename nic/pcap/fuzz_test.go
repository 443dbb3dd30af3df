package pcap

import (
	"bytes"
	"testing"
	"time"
)

// FuzzReader feeds arbitrary bytes to the Reader: it must never panic,
// every record it returns must respect its bounds, and what it reads must
// survive a round trip through the Writer unchanged.
func FuzzReader(f *testing.F) {
	var good bytes.Buffer
	w, _ := NewWriter(&good, 128)
	w.WriteFrame(t0, udpFrame(1, payload(1, 20)))
	w.WriteFrame(t0.Add(time.Second), payload(2, 300)) // cut to 128
	f.Add(good.Bytes())
	f.Add(good.Bytes()[:fileHeaderLen])
	f.Add(good.Bytes()[:fileHeaderLen+7])
	f.Add([]byte{0xa1, 0xb2, 0xc3, 0xd4, 0, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 1,
		0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 3, 'a', 'b', 'c'})
	f.Fuzz(func(t *testing.T, b []byte) {
		pr, err := NewReader(bytes.NewReader(b))
		if err != nil {
			return
		}
		var again bytes.Buffer
		pw, _ := NewWriter(&again, pr.SnapLen())
		var recs []Record
		for i := 0; i < 10000; i++ {
			rec, err := pr.Next()
			if err != nil {
				break
			}
			if len(rec.Data) > rec.OrigLen || len(rec.Data) > pr.SnapLen() || pr.SnapLen() > MaxSnapLen {
				t.Fatalf("record out of bounds: cap %d orig %d snap %d", len(rec.Data), rec.OrigLen, pr.SnapLen())
			}
			rec.Data = append([]byte(nil), rec.Data...)
			recs = append(recs, rec)
			if err := writeRecord(pw, rec); err != nil {
				t.Fatal(err)
			}
		}
		pr2, err := NewReader(&again)
		if err != nil {
			t.Fatal(err)
		}
		for i, want := range recs {
			got, err := pr2.Next()
			if err != nil {
				t.Fatalf("record %d: %v", i, err)
			}
			if !bytes.Equal(got.Data, want.Data) || got.OrigLen != want.OrigLen || !got.Time.Equal(want.Time) {
				t.Fatalf("record %d changed in round trip", i)
			}
		}
	})
}

// writeRecord writes rec keeping its original length (WriteFrame takes the
// length from the data, which the Reader may have cut).
func writeRecord(pw *Writer, rec Record) error {
	pw.mu.Lock()
	defer pw.mu.Unlock()
	putRecordHeader(pw.hdr[:], rec.Time, len(rec.Data), rec.OrigLen)
	if _, err := pw.w.Write(pw.hdr[:]); err != nil {
		return err
	}
	_, err := pw.w.Write(rec.Data)
	return err
}
