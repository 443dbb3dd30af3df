package pcap

import (
	"encoding/binary"
	"io"
	"sync"
	"time"
)

// Writer writes a pcap stream with nanosecond timestamps. It is safe for
// concurrent use; each record is written whole (header and data) under
// one lock so records from several goroutines never interleave. After the
// first write error the Writer stops writing and Err returns that error.
type Writer struct {
	mu      sync.Mutex
	w       io.Writer
	snapLen int
	hdr     [recordHeaderLen]byte
	err     error
	records uint64
}

// NewWriter writes the file header and returns a Writer. snapLen <= 0
// means DefaultSnapLen; frames longer than snapLen are cut to it (the
// record keeps the original length).
func NewWriter(w io.Writer, snapLen int) (*Writer, error) {
	if snapLen <= 0 || snapLen > MaxSnapLen {
		snapLen = DefaultSnapLen
	}
	pw := &Writer{w: w, snapLen: snapLen}
	var h [fileHeaderLen]byte
	putFileHeader(h[:], snapLen)
	if _, err := w.Write(h[:]); err != nil {
		return nil, err
	}
	return pw, nil
}

func putFileHeader(h []byte, snapLen int) {
	le := binary.LittleEndian
	le.PutUint32(h[0:], magicNano)
	le.PutUint16(h[4:], versionMajor)
	le.PutUint16(h[6:], versionMinor)
	le.PutUint32(h[8:], 0)  // thiszone: reserved, 0
	le.PutUint32(h[12:], 0) // sigfigs: reserved, 0
	le.PutUint32(h[16:], uint32(snapLen))
	le.PutUint32(h[20:], LinkTypeEthernet)
}

func putRecordHeader(h []byte, ts time.Time, capLen, origLen int) {
	le := binary.LittleEndian
	ns := ts.UnixNano()
	le.PutUint32(h[0:], uint32(ns/1e9))
	le.PutUint32(h[4:], uint32(ns%1e9))
	le.PutUint32(h[8:], uint32(capLen))
	le.PutUint32(h[12:], uint32(origLen))
}

// WriteFrame records one frame taken at ts.
func (pw *Writer) WriteFrame(ts time.Time, frame []byte) error {
	pw.mu.Lock()
	defer pw.mu.Unlock()
	if pw.err != nil {
		return pw.err
	}
	data := frame
	if len(data) > pw.snapLen {
		data = data[:pw.snapLen]
	}
	putRecordHeader(pw.hdr[:], ts, len(data), len(frame))
	if _, err := pw.w.Write(pw.hdr[:]); err != nil {
		pw.err = err
		return err
	}
	if _, err := pw.w.Write(data); err != nil {
		pw.err = err
		return err
	}
	pw.records++
	return nil
}

// Err returns the first write error, if any.
func (pw *Writer) Err() error {
	pw.mu.Lock()
	defer pw.mu.Unlock()
	return pw.err
}

// Records returns how many records were written.
func (pw *Writer) Records() uint64 {
	pw.mu.Lock()
	defer pw.mu.Unlock()
	return pw.records
}
