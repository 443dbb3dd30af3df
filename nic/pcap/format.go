package pcap

import "errors"

// File format constants (the libpcap "savefile" format, see
// draft-ietf-opsawg-pcap §4 and §5).
const (
	magicMicro = 0xa1b2c3d4 // timestamps in microseconds
	magicNano  = 0xa1b23c4d // timestamps in nanoseconds

	versionMajor = 2
	versionMinor = 4

	// LinkTypeEthernet is LINKTYPE_ETHERNET (IEEE 802.3 with destination
	// MAC first, no FCS).
	LinkTypeEthernet = 1

	fileHeaderLen   = 24
	recordHeaderLen = 16

	// DefaultSnapLen keeps whole frames, GSO super-frames included.
	DefaultSnapLen = 262144
	// MaxSnapLen is the largest snap length a Reader accepts; a record
	// claiming more is treated as corrupt, which bounds the memory a
	// hostile file can make the Reader allocate.
	MaxSnapLen = 1 << 20
)

// Errors returned by the Reader.
var (
	ErrBadMagic  = errors.New("pcap: not a pcap file (bad magic)")
	ErrVersion   = errors.New("pcap: unsupported version")
	ErrTruncated = errors.New("pcap: truncated file")
	ErrRecord    = errors.New("pcap: corrupt record header")
)
