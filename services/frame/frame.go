// Package frame is the length-prefixed framing tcpbox's framed services
// share with the seeds' framed echo and with iperf3's JSON messages: a
// 4-byte big-endian length, then that many bytes.
//
// It reads and writes frames with a caller-set maximum, so a peer cannot
// make it allocate more than that; it knows nothing of what the payload
// means.
package frame

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// HeaderLen is the size of the length prefix.
const HeaderLen = 4

// DefaultMax is the default largest payload accepted: 16 MiB.
const DefaultMax = 16 << 20

// ErrTooLarge is returned when an announced length exceeds the maximum.
var ErrTooLarge = errors.New("frame: announced length exceeds maximum")

// ReadHeader reads a length prefix and checks it against max. A clean EOF
// before any byte of the header returns io.EOF; a partial header returns
// io.ErrUnexpectedEOF.
func ReadHeader(r io.Reader, max int) (int, error) {
	var h [HeaderLen]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, err
	}
	n := binary.BigEndian.Uint32(h[:])
	if uint64(n) > uint64(max) {
		return int(min(n, 1<<31-1)), fmt.Errorf("%w (%d > %d)", ErrTooLarge, n, max)
	}
	return int(n), nil
}

// Read reads one frame into buf (grown if needed, reused if large
// enough) and returns the payload. The payload aliases buf.
func Read(r io.Reader, buf []byte, max int) ([]byte, error) {
	n, err := ReadHeader(r, max)
	if err != nil {
		return nil, err
	}
	if cap(buf) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	if _, err := io.ReadFull(r, buf); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return buf, nil
}

// AppendHeader appends the length prefix for an n-byte payload.
func AppendHeader(dst []byte, n int) []byte {
	return binary.BigEndian.AppendUint32(dst, uint32(n))
}

// Write writes payload as one frame with a single Write call.
func Write(w io.Writer, payload []byte) error {
	if uint64(len(payload)) > 1<<32-1 {
		return ErrTooLarge
	}
	buf := make([]byte, 0, HeaderLen+len(payload))
	buf = AppendHeader(buf, len(payload))
	buf = append(buf, payload...)
	_, err := w.Write(buf)
	return err
}
