//go:build linux

package afpacket

import (
	"encoding/binary"

	"github.com/tcpbox/tcpbox/nic"
)

// virtio_net_hdr (include/uapi/linux/virtio_net.h), which PACKET_VNET_HDR
// puts before every frame, in host byte order for packet sockets:
//
//	u8 flags; u8 gso_type; u16 hdr_len; u16 gso_size;
//	u16 csum_start; u16 csum_offset;
const (
	vnetHdrLen = 10

	vnetNeedsCsum = 1 // VIRTIO_NET_HDR_F_NEEDS_CSUM
	vnetDataValid = 2 // VIRTIO_NET_HDR_F_DATA_VALID
)

func decodeVnet(h []byte) nic.Offload {
	o := binary.NativeEndian
	return nic.Offload{
		NeedsChecksum: h[0]&vnetNeedsCsum != 0,
		DataValid:     h[0]&vnetDataValid != 0,
		GSOType:       h[1],
		HdrLen:        o.Uint16(h[2:]),
		GSOSize:       o.Uint16(h[4:]),
		CsumStart:     o.Uint16(h[6:]),
		CsumOffset:    o.Uint16(h[8:]),
	}
}

func encodeVnet(h []byte, off *nic.Offload) {
	o := binary.NativeEndian
	var flags byte
	if off.NeedsChecksum {
		flags |= vnetNeedsCsum
	}
	if off.DataValid {
		flags |= vnetDataValid
	}
	h[0], h[1] = flags, off.GSOType
	o.PutUint16(h[2:], off.HdrLen)
	o.PutUint16(h[4:], off.GSOSize)
	o.PutUint16(h[6:], off.CsumStart)
	o.PutUint16(h[8:], off.CsumOffset)
}
