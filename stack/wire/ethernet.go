package wire

import "encoding/binary"

// Ethernet II (IEEE 802.3 clause 3.2.6 "Length/Type" >= 0x0600), as it
// reaches a Link: no preamble, no FCS.
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                    Destination MAC (6 bytes)                  |
//	+                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                               |                               |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+      Source MAC (6 bytes)     +
//	|                                                               |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|           EtherType           |  payload ...
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// An IEEE 802.1Q tag (TPID 0x8100, then PCP/DEI/VID) may sit before the
// EtherType; it is tolerated and skipped: tcpbox does not do VLANs, but a
// priority-tagged frame (VID 0) is still read.

// EtherType values.
const (
	EtherTypeIPv4 = 0x0800
	EtherTypeARP  = 0x0806
	EtherTypeVLAN = 0x8100
	EtherTypeIPv6 = 0x86dd
)

// EthernetHeaderLen is the length of an untagged header.
const EthernetHeaderLen = 14

// BroadcastMAC is ff:ff:ff:ff:ff:ff.
var BroadcastMAC = [6]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}

// Ethernet is a validated Ethernet II frame.
type Ethernet []byte

// ParseEthernet validates b as an Ethernet II frame (untagged or with one
// 802.1Q tag). A length field (< 0x0600, IEEE 802.3 framing) is
// ErrUnsupported.
func ParseEthernet(b []byte) (Ethernet, error) {
	if len(b) < EthernetHeaderLen {
		return nil, ErrTruncated
	}
	t := binary.BigEndian.Uint16(b[12:])
	if t == EtherTypeVLAN {
		if len(b) < EthernetHeaderLen+4 {
			return nil, ErrTruncated
		}
		t = binary.BigEndian.Uint16(b[16:])
	}
	if t < 0x0600 {
		return nil, ErrUnsupported
	}
	return Ethernet(b), nil
}

// Dst is the destination MAC.
func (e Ethernet) Dst() [6]byte { return [6]byte(e[0:6]) }

// Src is the source MAC.
func (e Ethernet) Src() [6]byte { return [6]byte(e[6:12]) }

// Tagged reports whether an 802.1Q tag is present.
func (e Ethernet) Tagged() bool { return binary.BigEndian.Uint16(e[12:]) == EtherTypeVLAN }

// VLAN is the 12-bit VLAN ID of the tag, 0 when untagged.
func (e Ethernet) VLAN() uint16 {
	if !e.Tagged() {
		return 0
	}
	return binary.BigEndian.Uint16(e[14:]) & 0x0fff
}

// HeaderLen is 14, or 18 with a tag.
func (e Ethernet) HeaderLen() int {
	if e.Tagged() {
		return EthernetHeaderLen + 4
	}
	return EthernetHeaderLen
}

// EtherType is the type of the payload (after any tag).
func (e Ethernet) EtherType() uint16 { return binary.BigEndian.Uint16(e[e.HeaderLen()-2:]) }

// Payload is everything after the header (including any padding).
func (e Ethernet) Payload() []byte { return e[e.HeaderLen():] }

// IsBroadcast reports whether m is ff:ff:ff:ff:ff:ff.
func IsBroadcast(m [6]byte) bool { return m == BroadcastMAC }

// IsMulticast reports whether the group bit of m is set (broadcast
// included).
func IsMulticast(m [6]byte) bool { return m[0]&1 != 0 }

// EthernetHeader builds an untagged Ethernet II header.
type EthernetHeader struct {
	Dst, Src [6]byte
	Type     uint16
}

// Encode writes the 14-byte header to dst and returns 14. dst must be at
// least 14 bytes.
func (h *EthernetHeader) Encode(dst []byte) int {
	_ = dst[13]
	copy(dst[0:6], h.Dst[:])
	copy(dst[6:12], h.Src[:])
	binary.BigEndian.PutUint16(dst[12:], h.Type)
	return EthernetHeaderLen
}
