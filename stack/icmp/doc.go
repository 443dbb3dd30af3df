// Package icmp is tcpbox's ICMPv4 (RFC 792, RFC 1122 §3.2.2) as pure
// logic: echo replies built in place, the rules for when an error message
// may be sent at all, a token-bucket rate limiter for errors, error
// message bodies, and a path-MTU table fed by fragmentation-needed
// messages (RFC 1191).
//
// It does no I/O, reads no clock and starts no goroutine; the stack
// parses, routes and transmits. It does not send redirects, timestamps or
// address-mask replies, and ignores redirects it receives (a host on one
// subnet with one gateway has nothing to learn from them).
package icmp
