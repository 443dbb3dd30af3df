package cc

// CwndLimited reports whether the window has been the limit on sending
// lately, so that growing it is backed by use. It is Linux's
// tcp_is_cwnd_limited, Linux's way of meeting RFC 7661's intent (a window
// the sender does not use is not validated by the network), the rule
// RFC 9002 §7.8 states for QUIC ("the congestion window SHOULD NOT be
// increased" while underutilized) and RFC 9438 §5.8 for CUBIC. Reno,
// NewReno and CUBIC grow Cwnd only when it is true; BBR sizes its window
// from its own model.
//
// Growth is allowed when
//   - the sender does not measure (MaxFlight == 0: a Sender driven
//     directly, as in the algorithms' unit tests), or
//   - the flight filled the window at some transmission in the current
//     window (CwndFull), or
//   - in slow start (cwnd < ssthresh, RFC 5681 §3.1), cwnd is below twice
//     the largest flight of the current window. Slow start may thus reach
//     twice what the last round trip carried, so a sender held back by
//     pacing or ACK timing rather than by the window still doubles per
//     round trip, while an application-limited one stops near twice its
//     real flight (the same bound draft-ietf-ccwg-ratelimited-increase
//     puts on slow start: 2*maxFS).
//
// In congestion avoidance a window that was not filled does not grow.
func (s *Sender) CwndLimited() bool {
	if s.MaxFlight <= 0 || s.CwndFull {
		return true
	}
	return s.Cwnd < s.Ssthresh && s.Cwnd < 2*s.MaxFlight
}
