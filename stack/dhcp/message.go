package dhcp

import (
	"encoding/binary"
	"errors"
	"net/netip"
)

// A DHCP message (RFC 2131 §2, Figure 1), carried in UDP 67/68:
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+---------------+---------------+---------------+---------------+
//	|     op (1)    |   htype (1)   |   hlen (1)    |   hops (1)    |
//	+---------------+---------------+---------------+---------------+
//	|                            xid (4)                            |
//	+-------------------------------+-------------------------------+
//	|           secs (2)            |           flags (2)           |
//	+-------------------------------+-------------------------------+
//	|                          ciaddr  (4)                          |
//	|                          yiaddr  (4)                          |
//	|                          siaddr  (4)                          |
//	|                          giaddr  (4)                          |
//	+---------------------------------------------------------------+
//	|                          chaddr  (16)                         |
//	|                          sname   (64)                         |
//	|                          file    (128)                        |
//	+---------------------------------------------------------------+
//	|  magic cookie 99.130.83.99, then options (RFC 2132)           |
//	+---------------------------------------------------------------+
//
// Options are code, length, data, except Pad (0) and End (255).

// Message types (option 53, RFC 2132 §9.6).
const (
	Discover = 1
	Offer    = 2
	Request  = 3
	Decline  = 4
	Ack      = 5
	Nak      = 6
	Release  = 7
)

// Option codes used here (RFC 2132).
const (
	optPad          = 0
	optSubnetMask   = 1
	optRouter       = 3
	optDNS          = 6
	optHostname     = 12
	optRequestedIP  = 50
	optLeaseTime    = 51
	optOverload     = 52
	optMessageType  = 53
	optServerID     = 54
	optParamRequest = 55
	optMaxSize      = 57
	optT1           = 58
	optT2           = 59
	optClientID     = 61
	optEnd          = 255
)

const (
	fixedLen      = 236
	cookie        = 0x63825363
	bootRequest   = 1
	bootReply     = 2
	flagBroadcast = 0x8000
)

// Errors.
var (
	ErrTruncated = errors.New("dhcp: truncated message")
	ErrMalformed = errors.New("dhcp: malformed message")
)

// Message is a parsed DHCP message: the fixed fields tcpbox uses and the
// options it understands. Unknown options are skipped.
type Message struct {
	Op       uint8
	XID      uint32
	Secs     uint16
	Flags    uint16
	CIAddr   netip.Addr
	YIAddr   netip.Addr
	SIAddr   netip.Addr
	GIAddr   netip.Addr
	CHAddr   [6]byte
	Type     uint8
	Mask     netip.Addr // invalid when absent
	Router   netip.Addr // the first router, invalid when absent
	DNS      []netip.Addr
	Server   netip.Addr // server identifier (option 54)
	Lease    uint32     // seconds; 0 when absent
	T1, T2   uint32     // seconds; 0 when absent
	ReqIP    netip.Addr
	ClientID []byte
	Hostname string
	Params   []byte
	MaxSize  uint16
}

func addr4(b []byte) netip.Addr { return netip.AddrFrom4([4]byte(b[:4])) }

// Parse decodes b (the UDP payload). The options field must start with
// the magic cookie (RFC 2131 §3) and be well formed. Option overload
// (52: more options in sname/file) is not supported: those fields are not
// read; servers use them only when the options overflow 312 bytes, which
// the options a client asks for never do. The returned message refers to
// no memory of b.
func Parse(b []byte) (*Message, error) {
	m := &Message{}
	if err := m.parse(b); err != nil {
		return nil, err
	}
	return m, nil
}

func (m *Message) parse(b []byte) error {
	if len(b) < fixedLen+4 {
		return ErrTruncated
	}
	if b[1] != 1 || b[2] != 6 {
		return ErrMalformed // Ethernet only
	}
	if binary.BigEndian.Uint32(b[fixedLen:]) != cookie {
		return ErrMalformed
	}
	m.Op = b[0]
	m.XID = binary.BigEndian.Uint32(b[4:])
	m.Secs = binary.BigEndian.Uint16(b[8:])
	m.Flags = binary.BigEndian.Uint16(b[10:])
	m.CIAddr, m.YIAddr, m.SIAddr, m.GIAddr = addr4(b[12:]), addr4(b[16:]), addr4(b[20:]), addr4(b[24:])
	m.CHAddr = [6]byte(b[28:34])
	o := b[fixedLen+4:]
	for len(o) > 0 {
		code := o[0]
		if code == optPad {
			o = o[1:]
			continue
		}
		if code == optEnd {
			break
		}
		if len(o) < 2 || int(o[1]) > len(o)-2 {
			return ErrMalformed
		}
		d := o[2 : 2+int(o[1])]
		o = o[2+int(o[1]):]
		bad := false
		switch code {
		case optMessageType:
			bad = len(d) != 1
			if !bad {
				m.Type = d[0]
			}
		case optSubnetMask:
			bad = len(d) != 4
			if !bad {
				m.Mask = addr4(d)
			}
		case optRouter:
			bad = len(d) < 4 || len(d)%4 != 0
			if !bad {
				m.Router = addr4(d)
			}
		case optDNS:
			bad = len(d) < 4 || len(d)%4 != 0
			for i := 0; !bad && i < len(d) && len(m.DNS) < 4; i += 4 {
				m.DNS = append(m.DNS, addr4(d[i:]))
			}
		case optServerID:
			bad = len(d) != 4
			if !bad {
				m.Server = addr4(d)
			}
		case optRequestedIP:
			bad = len(d) != 4
			if !bad {
				m.ReqIP = addr4(d)
			}
		case optLeaseTime, optT1, optT2:
			bad = len(d) != 4
			if !bad {
				v := binary.BigEndian.Uint32(d)
				switch code {
				case optLeaseTime:
					m.Lease = v
				case optT1:
					m.T1 = v
				default:
					m.T2 = v
				}
			}
		case optClientID:
			bad = len(d) < 2
			m.ClientID = append([]byte(nil), d...)
		case optHostname:
			m.Hostname = string(d)
		case optParamRequest:
			m.Params = append([]byte(nil), d...)
		case optMaxSize:
			bad = len(d) != 2
			if !bad {
				m.MaxSize = binary.BigEndian.Uint16(d)
			}
		}
		if bad {
			return ErrMalformed
		}
	}
	if m.Type == 0 {
		return ErrMalformed // not DHCP but plain BOOTP
	}
	return nil
}

// Encode writes m (fixed fields, cookie, the options that are set, End)
// to dst and returns the length; dst must hold 576 bytes. Messages are
// padded to 300 bytes, the BOOTP minimum some relays still expect
// (RFC 1542 §2.1).
func (m *Message) Encode(dst []byte) int {
	_ = dst[575]
	clear(dst[:fixedLen])
	dst[0], dst[1], dst[2] = m.Op, 1, 6
	binary.BigEndian.PutUint32(dst[4:], m.XID)
	binary.BigEndian.PutUint16(dst[8:], m.Secs)
	binary.BigEndian.PutUint16(dst[10:], m.Flags)
	put4 := func(off int, a netip.Addr) {
		if a.Is4() {
			v := a.As4()
			copy(dst[off:off+4], v[:])
		}
	}
	put4(12, m.CIAddr)
	put4(16, m.YIAddr)
	put4(20, m.SIAddr)
	put4(24, m.GIAddr)
	copy(dst[28:34], m.CHAddr[:])
	binary.BigEndian.PutUint32(dst[fixedLen:], cookie)
	i := fixedLen + 4
	opt := func(code uint8, d []byte) {
		if len(d) > 255 || i+2+len(d) > 575 {
			return
		}
		dst[i], dst[i+1] = code, uint8(len(d))
		copy(dst[i+2:], d)
		i += 2 + len(d)
	}
	opt4 := func(code uint8, a netip.Addr) {
		if a.Is4() {
			v := a.As4()
			opt(code, v[:])
		}
	}
	u32 := func(code uint8, v uint32) {
		if v != 0 {
			var b [4]byte
			binary.BigEndian.PutUint32(b[:], v)
			opt(code, b[:])
		}
	}
	opt(optMessageType, []byte{m.Type})
	if len(m.ClientID) > 0 {
		opt(optClientID, m.ClientID)
	}
	opt4(optRequestedIP, m.ReqIP)
	opt4(optServerID, m.Server)
	opt4(optSubnetMask, m.Mask)
	opt4(optRouter, m.Router)
	u32(optLeaseTime, m.Lease)
	u32(optT1, m.T1)
	u32(optT2, m.T2)
	if m.MaxSize != 0 {
		opt(optMaxSize, []byte{byte(m.MaxSize >> 8), byte(m.MaxSize)})
	}
	if m.Hostname != "" {
		opt(optHostname, []byte(m.Hostname))
	}
	if len(m.Params) > 0 {
		opt(optParamRequest, m.Params)
	}
	dst[i] = optEnd
	i++
	for i < 300 {
		dst[i] = optPad
		i++
	}
	return i
}
