package pcap

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"
)

// Record is one frame read back from a pcap stream.
type Record struct {
	Time    time.Time
	Data    []byte // CapLen bytes; valid until the next call to Next
	OrigLen int    // length on the wire, >= len(Data)
}

// Reader reads a classic pcap stream in either byte order, with
// microsecond or nanosecond timestamps. It keeps one buffer, grown to the
// largest record seen and never beyond the file's snap length (itself at
// most MaxSnapLen).
type Reader struct {
	r        io.Reader
	order    binary.ByteOrder
	nano     bool
	snapLen  int
	linkType uint32
	hdr      [recordHeaderLen]byte
	buf      []byte
}

// NewReader reads and checks the file header.
func NewReader(r io.Reader) (*Reader, error) {
	var h [fileHeaderLen]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("%w: file header", ErrTruncated)
		}
		return nil, err
	}
	pr := &Reader{r: r}
	switch {
	case binary.LittleEndian.Uint32(h[0:]) == magicMicro:
		pr.order = binary.LittleEndian
	case binary.LittleEndian.Uint32(h[0:]) == magicNano:
		pr.order, pr.nano = binary.LittleEndian, true
	case binary.BigEndian.Uint32(h[0:]) == magicMicro:
		pr.order = binary.BigEndian
	case binary.BigEndian.Uint32(h[0:]) == magicNano:
		pr.order, pr.nano = binary.BigEndian, true
	default:
		return nil, ErrBadMagic
	}
	if major := pr.order.Uint16(h[4:]); major != versionMajor {
		return nil, fmt.Errorf("%w: %d.%d", ErrVersion, major, pr.order.Uint16(h[6:]))
	}
	snap := pr.order.Uint32(h[16:])
	// A snap length of 0 or one above our limit is clamped: the record
	// headers are checked against MaxSnapLen anyway.
	if snap == 0 || snap > MaxSnapLen {
		snap = MaxSnapLen
	}
	pr.snapLen = int(snap)
	// The link type sits in the low 28 bits; the top bits carry the FCS
	// length flags (draft-ietf-opsawg-pcap §4).
	pr.linkType = pr.order.Uint32(h[20:]) & 0x0fffffff
	return pr, nil
}

// LinkType returns the file's link type (1 for Ethernet).
func (pr *Reader) LinkType() uint32 { return pr.linkType }

// SnapLen returns the file's snap length (clamped to MaxSnapLen).
func (pr *Reader) SnapLen() int { return pr.snapLen }

// Next returns the next record, or io.EOF at a clean end of stream.
func (pr *Reader) Next() (Record, error) {
	if _, err := io.ReadFull(pr.r, pr.hdr[:]); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return Record{}, fmt.Errorf("%w: record header", ErrTruncated)
		}
		return Record{}, err
	}
	sec := pr.order.Uint32(pr.hdr[0:])
	frac := pr.order.Uint32(pr.hdr[4:])
	capLen := pr.order.Uint32(pr.hdr[8:])
	origLen := pr.order.Uint32(pr.hdr[12:])
	if pr.nano && frac >= 1e9 || !pr.nano && frac >= 1e6 {
		return Record{}, fmt.Errorf("%w: fraction of second %d", ErrRecord, frac)
	}
	if capLen > uint32(pr.snapLen) {
		return Record{}, fmt.Errorf("%w: captured length %d above snap length %d", ErrRecord, capLen, pr.snapLen)
	}
	if origLen < capLen {
		return Record{}, fmt.Errorf("%w: original length %d below captured length %d", ErrRecord, origLen, capLen)
	}
	if cap(pr.buf) < int(capLen) {
		pr.buf = make([]byte, capLen)
	}
	data := pr.buf[:capLen]
	if _, err := io.ReadFull(pr.r, data); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return Record{}, fmt.Errorf("%w: record data", ErrTruncated)
		}
		return Record{}, err
	}
	nsec := int64(frac)
	if !pr.nano {
		nsec *= 1000
	}
	return Record{Time: time.Unix(int64(sec), nsec), Data: data, OrigLen: int(origLen)}, nil
}
