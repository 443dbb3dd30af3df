// Package capture records what tcpbox's stack sends and receives in an
// interop test and judges the recording, with tshark as the independent
// reader, by one rule shared by every such test (stack/ and interop/):
//
//   - always: no malformed frame, no bad IPv4, TCP or UDP checksum (a TCP
//     checksum of 0xffff where 0x0000 is computed is valid, RFC 1624 §3);
//   - at 0% loss (clean): no retransmission by tcpbox, no zero-window
//     stall either way, and no retransmission by the peer unless the
//     capture itself shows, for that retransmission, that the machine
//     and not tcpbox caused it: the original reached tcpbox only after
//     the peer had resent it, or tcpbox's process recorded nothing for
//     the whole time the peer waited, or the original was overtaken on
//     the veth and tcpbox's SACK of the hole prompted the peer (see
//     excuse and reorderExcuse in analyze.go).
//
// A retransmission is a segment that carries bytes (or a SYN or FIN) that
// an earlier segment of the same direction already carried. tshark's own
// flag is not used for the verdict: on a veth the kernel's segments can
// reach tcpbox out of order (two CPUs' backlogs), and tshark then calls
// new data a retransmission when a later pure ACK overtook it; those
// frames are counted as Reordered instead.
//
// This is test support under hack/: it runs tshark and uses package
// testing, and nothing in the product imports it.
package capture
