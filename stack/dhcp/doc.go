// Package dhcp is tcpbox's DHCPv4 client (RFC 2131, options RFC 2132) as
// a state machine: INIT -> SELECTING (discover, take an offer) ->
// REQUESTING -> BOUND, renewing with the leasing server at T1 (RENEWING)
// and with any server at T2 (REBINDING), back to INIT on a NAK or when
// the lease runs out, and a DHCPRELEASE on shutdown.
//
// Its client identifier is its own (RFC 4361 §6.1 form: type 255, an IAID
// fixed for tcpbox, and a DUID-LL of the MAC), so even when tcpbox shares
// the interface's MAC with the kernel it never takes over the kernel's
// lease, which a server keys by client identifier (RFC 2131 §4.2).
//
// It does no I/O, reads no clock and starts no goroutine: the stack feeds
// it received messages and the time, asks for the packets due (Output) and
// arms its timer at NextDeadline. Given the address of a previous lease it
// starts in INIT-REBOOT and asks to keep it (RFC 2131 §3.2). It does not
// probe the offered address with ARP before use (RFC 2131 §2.2 SHOULD),
// does not support option overload, and configures one address, mask and
// router.
package dhcp
