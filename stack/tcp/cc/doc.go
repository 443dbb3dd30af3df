// Package cc holds tcpbox's congestion-control algorithms behind one
// interface. An algorithm does no I/O and reads no clock: the TCP sender
// calls it with the time and what an ACK or a loss told it, and the
// algorithm moves the congestion window (and, for rate-based algorithms,
// the pacing rate) in the Sender it is given.
//
// Loss detection and recovery (SACK scoreboard, RACK-TLP, PRR) live in the
// TCP sender; an algorithm only hears of their outcome through OnEvent.
//
// Algorithms: Reno (RFC 5681), NewReno (RFC 6582), CUBIC (RFC 9438) with
// HyStart++ (RFC 9406), BBR v1 (draft-cardwell-iccrg-bbr-congestion-control-00)
// and Fixed (a constant window, for tests). New selects one by name.
//
// Helpers for the sender: RateSampler (delivery-rate estimation,
// draft-cheng-iccrg-delivery-rate-estimation), Pacer (earliest send time at
// a pacing rate), Recover (the RFC 6582 recovery point), CAState (Linux's
// tcp_info ca_state) and Trace (a bounded per-ACK trace ring).
//
// Calling order the algorithms assume, per incoming ACK: the sender updates
// its scoreboard, InFlight, SRTT and MinRTT; if loss starts recovery, sets
// InRecovery and calls OnEvent(EventFastRecovery) before it removes the
// newly lost bytes from InFlight (so InFlight is the FlightSize of RFC 5681
// (4)); calls OnAck; then, if the ACK reached the recovery point, clears
// InRecovery and calls OnEvent(EventRecoveryExit). Duplicate ACKs during
// recovery go to OnDupAck for algorithms that implement DupAcker, which
// then own the recovery window; for the others the sender applies RFC 5681
// §3.2's inflation and deflation around the ssthresh they set. On a
// retransmission timeout the sender calls OnEvent(EventRTO) before marking
// the outstanding segments lost, so InFlight is still the FlightSize.
//
// The sender should keep one Ack in its connection state and reuse it: a
// pointer to a stack Ack passed through the interface escapes (one
// allocation per ACK). For BBR (and HyStart++'s exact rounds) the sender
// fills Ack.Rate from a RateSampler, and it paces with a Pacer at
// Sender.PacingRate.
//
// What this package is not: it does not detect loss, keep a scoreboard,
// schedule timers or send anything. It imports the standard library only.
package cc
