package stack

import (
	"net/netip"

	"github.com/tcpbox/tcpbox/stack/wire"
)

// tcpInput is the IPv4 layer's door into TCP: it is called on the receive
// goroutine for every datagram with protocol 6 addressed (unicast) to one
// of our addresses, after reassembly. seg is the whole TCP segment
// (header, options, data), its checksum NOT yet verified; src and dst are
// the IPv4 addresses for the pseudo-header and the demux; tos is the IPv4
// TOS byte (DSCP and the ECN bits of RFC 3168). seg is valid during the
// call only.
//
// This version is the behaviour of a stack with no TCP at all: every
// segment is for a CLOSED port, so by RFC 9293 §3.10.7.1 anything but a
// RST is answered with a RST (rate-limited), and a RST is dropped. The TCP
// glue replaces this file.
func (s *Stack) tcpInput(src, dst netip.Addr, tos uint8, seg []byte) {
	t, err := wire.ParseTCP(seg)
	if err != nil {
		s.drop(DropTCPMalformed)
		return
	}
	if !t.VerifyChecksum(src, dst) {
		s.drop(DropTCPChecksum)
		return
	}
	s.drop(DropTCPNoConn)
	if t.Flags()&wire.TCPFlagRST != 0 {
		return // "An incoming segment containing a RST is discarded."
	}
	s.icmpMu.Lock()
	ok := s.rstLimit.Allow(s.now())
	s.icmpMu.Unlock()
	if !ok {
		s.drop(DropRateLimited)
		return
	}
	// "If the ACK bit is off, sequence number zero is used,
	//  <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>
	// If the ACK bit is on, <SEQ=SEG.ACK><CTL=RST>"
	h := wire.TCPHeader{SrcPort: t.DstPort(), DstPort: t.SrcPort(), Src: dst, Dst: src}
	if t.Flags()&wire.TCPFlagACK != 0 {
		h.Seq, h.Flags = t.Ack(), wire.TCPFlagRST
	} else {
		l := uint32(len(t.Payload()))
		if t.Flags()&wire.TCPFlagSYN != 0 {
			l++
		}
		if t.Flags()&wire.TCPFlagFIN != 0 {
			l++
		}
		h.Ack, h.Flags = t.Seq()+l, wire.TCPFlagRST|wire.TCPFlagACK
	}
	b := s.newBuffer(wire.TCPMinHeaderLen)
	h.Encode(b.Bytes())
	s.sendIPv4(b, src, wire.ProtoTCP, sendOpts{df: true, src: dst})
}
