package stack

// Per-dial and per-listener pacing (tcp.Config's Pacing and
// MaxPacingRate).

// WithPacing turns pacing of window-based algorithms on or off: the
// window leaves spread over the RTT at cwnd/SRTT x2 in slow start and
// x1.2 after, in bursts of about 1 ms (Linux's internal pacing). BBR
// paces whatever this says.
func WithPacing(on bool) TCPOption {
	return func(o *tcpOptions) error { o.cfg.Pacing = on; return nil }
}

// WithMaxPacingRate caps the pacing rate at bytesPerSec, 0 for no cap
// (SO_MAX_PACING_RATE). A cap turns pacing on, as in Linux.
func WithMaxPacingRate(bytesPerSec uint64) TCPOption {
	return func(o *tcpOptions) error { o.cfg.MaxPacingRate = bytesPerSec; return nil }
}
