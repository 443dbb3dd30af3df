package wire

import "encoding/binary"

// TCP options (RFC 9293 §3.2; RFC 7323 window scale and timestamps;
// RFC 2018 SACK). Every option but EOL (kind 0) and NOP (kind 1) is
// kind, length (counting both), data:
//
//	+--------+--------+--------+--------+
//	|  Kind  | Length |   data ...      |
//	+--------+--------+--------+--------+
//
//	MSS            kind 2,  length 4:  16-bit maximum segment size
//	Window scale   kind 3,  length 3:  shift count
//	SACK-permitted kind 4,  length 2
//	SACK           kind 5,  length 2+8n (n = 1..4): left, right edges
//	Timestamps     kind 8,  length 10: TSval, TSecr

// TCP option kinds.
const (
	TCPOptEOL           = 0
	TCPOptNOP           = 1
	TCPOptMSS           = 2
	TCPOptWindowScale   = 3
	TCPOptSACKPermitted = 4
	TCPOptSACK          = 5
	TCPOptTimestamps    = 8
)

// SACKBlock is one SACK block: [Start, End) in sequence space.
type SACKBlock struct{ Start, End uint32 }

// TCPOptions are the options tcpbox understands. The zero value means
// none present.
type TCPOptions struct {
	HasMSS        bool
	MSS           uint16
	HasWScale     bool
	WScale        uint8
	SACKPermitted bool
	HasTS         bool
	TSVal, TSEcr  uint32
	NumSACK       int
	SACK          [4]SACKBlock
}

// ParseTCPOptions decodes the option bytes of a TCP header into o (reset
// first). Unknown kinds with a sane length are skipped (RFC 9293 §3.1: "a
// TCP implementation MUST be able to receive a TCP option in any
// segment", and §3.2 MUST-64 ignore unknown kinds). A length that is
// below 2, runs past the end, or does not fit its kind is ErrBadOption
// (RFC 9293 §3.1 MUST-7: be prepared to handle an illegal option length
// without crashing; we discard the segment).
func ParseTCPOptions(b []byte, o *TCPOptions) error {
	*o = TCPOptions{}
	for len(b) > 0 {
		kind := b[0]
		if kind == TCPOptEOL {
			return nil
		}
		if kind == TCPOptNOP {
			b = b[1:]
			continue
		}
		if len(b) < 2 {
			return ErrBadOption
		}
		l := int(b[1])
		if l < 2 || l > len(b) {
			return ErrBadOption
		}
		d := b[2:l]
		switch kind {
		case TCPOptMSS:
			if len(d) != 2 {
				return ErrBadOption
			}
			o.HasMSS, o.MSS = true, binary.BigEndian.Uint16(d)
		case TCPOptWindowScale:
			if len(d) != 1 {
				return ErrBadOption
			}
			o.HasWScale, o.WScale = true, d[0]
		case TCPOptSACKPermitted:
			if len(d) != 0 {
				return ErrBadOption
			}
			o.SACKPermitted = true
		case TCPOptSACK:
			if len(d) == 0 || len(d)%8 != 0 || len(d) > 32 {
				return ErrBadOption
			}
			o.NumSACK = len(d) / 8
			for i := 0; i < o.NumSACK; i++ {
				o.SACK[i] = SACKBlock{binary.BigEndian.Uint32(d[8*i:]), binary.BigEndian.Uint32(d[8*i+4:])}
			}
		case TCPOptTimestamps:
			if len(d) != 8 {
				return ErrBadOption
			}
			o.HasTS, o.TSVal, o.TSEcr = true, binary.BigEndian.Uint32(d), binary.BigEndian.Uint32(d[4:])
		}
		b = b[l:]
	}
	return nil
}

// Len is the length Encode writes, padded to a multiple of 4.
func (o *TCPOptions) Len() int {
	return (o.rawLen(o.sackFit()) + 3) &^ 3
}

// sackFit is how many SACK blocks fit beside the other options in 40
// bytes.
func (o *TCPOptions) sackFit() int {
	nsack := min(max(o.NumSACK, 0), 4)
	for nsack > 0 && o.rawLen(nsack) > 40 {
		nsack--
	}
	return nsack
}

func (o *TCPOptions) rawLen(nsack int) int {
	n := 0
	if o.HasMSS {
		n += 4
	}
	if o.HasWScale {
		n += 4 // NOP + 3
	}
	if o.SACKPermitted {
		n += 2
		if !o.HasTS {
			n += 2 // NOP NOP before SACK-permitted
		}
	}
	if o.HasTS {
		n += 10
		if !o.SACKPermitted {
			n += 2 // NOP NOP before timestamps for alignment
		}
	}
	if nsack > 0 {
		n += 2 + 2 + 8*nsack // NOP NOP + kind,len + blocks
	}
	return n
}

// Encode writes the options in the customary aligned layout (MSS; NOP,
// window scale; SACK-permitted and timestamps together; NOP, NOP, SACK)
// padded with EOL to a multiple of 4, and returns the length. SACK blocks
// that would push the options past 40 bytes are left out. dst must hold
// 40 bytes.
func (o *TCPOptions) Encode(dst []byte) int {
	nsack := o.sackFit()
	_ = dst[39]
	i := 0
	if o.HasMSS {
		dst[i], dst[i+1] = TCPOptMSS, 4
		binary.BigEndian.PutUint16(dst[i+2:], o.MSS)
		i += 4
	}
	if o.HasWScale {
		dst[i], dst[i+1], dst[i+2], dst[i+3] = TCPOptNOP, TCPOptWindowScale, 3, o.WScale
		i += 4
	}
	switch {
	case o.SACKPermitted && o.HasTS:
		dst[i], dst[i+1] = TCPOptSACKPermitted, 2
		i += 2
	case o.SACKPermitted:
		dst[i], dst[i+1], dst[i+2], dst[i+3] = TCPOptNOP, TCPOptNOP, TCPOptSACKPermitted, 2
		i += 4
	case o.HasTS:
		dst[i], dst[i+1] = TCPOptNOP, TCPOptNOP
		i += 2
	}
	if o.HasTS {
		dst[i], dst[i+1] = TCPOptTimestamps, 10
		binary.BigEndian.PutUint32(dst[i+2:], o.TSVal)
		binary.BigEndian.PutUint32(dst[i+6:], o.TSEcr)
		i += 10
	}
	if nsack > 0 {
		dst[i], dst[i+1], dst[i+2], dst[i+3] = TCPOptNOP, TCPOptNOP, TCPOptSACK, uint8(2+8*nsack)
		i += 4
		for k := 0; k < nsack; k++ {
			binary.BigEndian.PutUint32(dst[i:], o.SACK[k].Start)
			binary.BigEndian.PutUint32(dst[i+4:], o.SACK[k].End)
			i += 8
		}
	}
	for i%4 != 0 {
		dst[i] = TCPOptEOL
		i++
	}
	return i
}
