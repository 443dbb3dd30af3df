package stack

import "net/netip"

// tcpInput is the IPv4 layer's door into TCP: it is called on the receive
// goroutine for every datagram with protocol 6 addressed (unicast) to one
// of our addresses, after reassembly. seg is the whole TCP segment
// (header, options, data), its checksum not yet verified; src and dst are
// the IPv4 addresses for the pseudo-header and the demux; tos is the IPv4
// TOS byte, whose low two bits (the ECN field, RFC 3168 §5) reach tcp as
// Segment.ECN. seg is valid during the call only.
//
// The checksum is verified first, then the segment goes to its
// connection, else to a listener, else it is answered with a RST (RFC 9293
// §3.10.7.1); see tcpStack.input.
func (s *Stack) tcpInput(src, dst netip.Addr, tos uint8, seg []byte) {
	s.tcp().input(src, dst, tos, seg, false)
}

// tcpInputOffloaded is tcpInput for a segment whose checksum the link
// vouches for (rxMeta.csumVerified: Frame.Offload's DataValid or
// NeedsChecksum), which is then not verified again.
func (s *Stack) tcpInputOffloaded(src, dst netip.Addr, tos uint8, seg []byte) {
	s.tcp().input(src, dst, tos, seg, true)
}
