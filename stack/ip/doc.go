// Package ip is tcpbox's IPv4 layer (RFC 791, RFC 1122 §3) as pure logic:
// the checks a host applies to an arriving datagram beyond its header
// syntax (which stack/wire validates), the routing decision for an
// outgoing one (on-link subnet or default gateway), fragment reassembly
// bounded in memory and time (RFC 791 §3.2, RFC 815), and the plan for
// fragmenting a datagram that exceeds the path MTU.
//
// It does no I/O, reads no clock and starts no goroutine; time is passed
// in. It is not a router: tcpbox never forwards, so TTL matters only for
// what it sends. It does not build frames or ICMP messages; the stack does.
package ip
