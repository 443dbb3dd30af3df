package cc

import "time"

// Pacing for window-based algorithms, after Linux's internal pacing
// (tcp_update_pacing_rate, tcp_tso_autosize): an algorithm that does not
// set Sender.PacingRate itself (see SelfPacer) sends its window spread
// over the RTT when the sender paces.

// Linux's tcp_pacing_ss_ratio and tcp_pacing_ca_ratio, in percent: the
// pacing rate is twice the window's rate in slow start, so the window
// can still double each round, and 1.2 times it in congestion avoidance,
// so the pacer does not hold the window back.
const (
	pacingSSRatio = 200
	pacingCARatio = 120
)

// WindowPacingRate is the pacing rate, in bytes per second, of a sender
// whose algorithm sets no rate of its own: the window per smoothed RTT,
// times 2 while cwnd is below half of ssthresh (slow start) and 1.2
// otherwise (Linux's test). The window is at least what is in flight
// (after an undo or a reduction cwnd may be below it). 0 (do not pace)
// before the first RTT sample.
func WindowPacingRate(s *Sender) uint64 {
	if s.SRTT <= 0 || s.Cwnd <= 0 {
		return 0
	}
	ratio := uint64(pacingCARatio)
	if s.Cwnd < s.Ssthresh/2 {
		ratio = pacingSSRatio
	}
	w := uint64(min(max(s.Cwnd, s.InFlight), MaxCwnd))
	// w <= 2^34 and ratio < 2^8: the product fits in 64 bits.
	r := float64(w*ratio) / 100 / s.SRTT.Seconds()
	return clampRate(r)
}

// pacingQuantumTime is how much of the rate may leave back to back:
// Linux's sk_pacing_shift of 10, about 1 ms (tcp_tso_autosize).
const pacingQuantumTime = time.Millisecond

// PacingQuantum is the burst, in bytes, a window-based sender's pacer
// lets leave back to back at rate: about 1 ms of data, at least two
// segments and at most 64 KiB (Linux's tcp_tso_autosize with its
// tcp_min_tso_segs of 2 and the GSO limit), so that pacing costs no
// throughput on a fast link while each burst stays short.
func PacingQuantum(rate uint64, mss int) int {
	m := max(mss, 1)
	b := rate / uint64(time.Second/pacingQuantumTime)
	return int(min(max(b, 2*uint64(m)), 64<<10))
}
