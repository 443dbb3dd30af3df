package icmp

import (
	"encoding/binary"

	"github.com/tcpbox/tcpbox/stack/wire"
)

// EchoReply turns an echo request in msg (type 8, already validated by
// wire.ParseICMPv4) into its echo reply in place: RFC 792 "Echo or Echo
// Reply Message": the type becomes 0 and identifier, sequence number and
// data are returned unchanged. The checksum is updated incrementally for
// the one changed word (RFC 1624 eqn. 3) rather than recomputed over a
// payload that may be 64 KiB.
func EchoReply(msg []byte) {
	old := binary.BigEndian.Uint16(msg[0:])
	msg[0], msg[1] = wire.ICMPEchoReply, 0
	nw := binary.BigEndian.Uint16(msg[0:])
	binary.BigEndian.PutUint16(msg[2:], wire.UpdateChecksum(binary.BigEndian.Uint16(msg[2:]), old, nw))
}
