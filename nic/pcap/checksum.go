package pcap

import (
	"encoding/binary"

	"github.com/tcpbox/tcpbox/nic"
)

// completeChecksum folds into frame the checksum that its Offload left
// unfinished, as the NIC would have on the wire: the field at
// CsumStart+CsumOffset holds the pseudo-header sum, and the ones'
// complement sum of everything from CsumStart to the end goes over it (RFC
// 1071 §1; the virtio_net_hdr VIRTIO_NET_HDR_F_NEEDS_CSUM contract). It
// reports false, leaving frame as it was, if the offsets do not fit.
func completeChecksum(frame []byte, off *nic.Offload) bool {
	start, field := int(off.CsumStart), int(off.CsumStart)+int(off.CsumOffset)
	if start >= len(frame) || field+2 > len(frame) {
		return false
	}
	var sum uint32
	b := frame[start:]
	for len(b) >= 2 {
		sum += uint32(b[0])<<8 | uint32(b[1])
		b = b[2:]
	}
	if len(b) == 1 {
		sum += uint32(b[0]) << 8
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	c := ^uint16(sum)
	if c == 0 {
		// RFC 768: a computed UDP checksum of zero is sent as all ones
		// (zero means "no checksum"); for TCP both forms are the same
		// value in ones' complement.
		c = 0xffff
	}
	binary.BigEndian.PutUint16(frame[field:], c)
	return true
}
