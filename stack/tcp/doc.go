// Package tcp is tcpbox's TCP (RFC 9293): connection and listener state
// machines that do no I/O. A connection takes input (a segment and the
// time), produces output (segments to send, through an emit callback) and
// names its next deadline; the stack's loop owns the goroutines, clocks,
// timers, locks and wire encoding that drive it (see CONTRACT.md).
//
// What is here: all eleven states with simultaneous open and close and
// half-close; the acceptability tests and RST rules of RFC 9293 §3.10.7;
// RFC 5961 (challenge ACKs, rate-limited) and RFC 1337; RFC 6528 ISNs;
// TIME-WAIT for 2×MSL and its reuse (RFC 6191); a Listener with bounded
// SYN and accept queues and SYN cookies (RFC 4987); MSS, window scaling,
// timestamps with PAWS, SACK-permitted and receiver SACK/D-SACK blocks
// (RFC 7323, 2018, 2883); RFC 6298 retransmission with Karn's rule and
// backoff; out-of-order reassembly bounded by the receive buffer; flow
// control with silly-window avoidance on both sides, zero-window probing
// and receive-buffer autotuning; Nagle, cork, delayed and quick ACKs,
// keepalive and user timeout; congestion control through stack/tcp/cc
// with fast retransmit and NewReno recovery (RFC 5681, 6582).
//
// What is not: wire parsing and checksums (the glue does them), urgent
// data (delivered inline, RFC 6093), ECN, a SACK-based sender (the
// scoreboard, RACK-TLP and PRR belong to issue 4), pacing, and path MTU
// discovery. Connections and listeners are not safe for concurrent use.
package tcp
