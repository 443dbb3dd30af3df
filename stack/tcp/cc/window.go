package cc

// Window arithmetic shared by the algorithms.

// MaxCwnd bounds every window an algorithm sets (16 GiB). No TCP window can
// use more (the largest scaled receive window is 1 GiB, RFC 7323 §2.3); the
// bound keeps long runs of growth from overflowing int arithmetic.
const MaxCwnd = 1 << 34

// mss returns the sender MSS, at least 1 so no algorithm divides by zero
// when a caller forgot to set it.
func mss(s *Sender) int {
	if s.MSS < 1 {
		return 1
	}
	return s.MSS
}

// clampCwnd keeps Cwnd within [1 MSS, MaxCwnd] and Ssthresh within
// [2 MSS, MaxCwnd]: RFC 5681 §3.1 never lets ssthresh fall below 2*SMSS
// nor the window below the loss window of one segment.
func clampCwnd(s *Sender) {
	m := mss(s)
	s.Cwnd = min(max(s.Cwnd, m), MaxCwnd)
	s.Ssthresh = min(max(s.Ssthresh, 2*m), max(MaxCwnd, InitialSsthresh))
}

// halfFlight is RFC 5681 (4): ssthresh = max(FlightSize/2, 2*SMSS).
func halfFlight(s *Sender) int {
	return max(s.InFlight/2, 2*mss(s))
}

// initialWindow is IW in bytes; iw is in segments, 0 meaning 10 (RFC 6928).
func initialWindow(s *Sender, iw int) int {
	if iw <= 0 {
		iw = 10
	}
	return min(iw, MaxCwnd/max(mss(s), 1)) * mss(s)
}
