// Package wire is tcpbox's byte-level view of the headers it speaks:
// Ethernet II (with an 802.1Q tag tolerated), ARP, IPv4 with options,
// ICMPv4, UDP, TCP and TCP options, and the Internet checksum (full,
// incremental per RFC 1624, and the pseudo-header sums).
//
// Reading follows one pattern: a header is a named byte slice (Ethernet,
// IPv4, ...) obtained only from a Parse function that validates lengths,
// versions and (where cheap and unconditional) checksums in one place;
// after that the accessors index directly and cannot panic. Writing uses
// plain value structs whose Encode(dst []byte) int writes the header into
// dst and returns its length.
//
// It is not a protocol implementation: it keeps no state, allocates
// nothing, performs no I/O and imports only the standard library. Checks
// that depend on context (is this address ours? is this option allowed
// here?) belong to the protocol packages.
package wire
