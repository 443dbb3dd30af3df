package wire

import "errors"

// Sentinel errors returned by the Parse functions. Callers map them to drop
// counters; errors.Is works through any wrapping.
var (
	ErrTruncated   = errors.New("wire: truncated")
	ErrBadVersion  = errors.New("wire: bad version")
	ErrBadHeader   = errors.New("wire: bad header length")
	ErrBadLength   = errors.New("wire: bad length field")
	ErrBadChecksum = errors.New("wire: bad checksum")
	ErrBadOption   = errors.New("wire: malformed option")
	ErrUnsupported = errors.New("wire: unsupported format")
)
