package cc

// BBR's control parameters: the pacing rate, the send quantum and the
// congestion window derived from its model (draft-cardwell-iccrg-bbr-
// congestion-control-00 §4.2).

// sendQuantum is §4.2.2's send_quantum: one segment below 1.2 Mbit/s, two
// below 24 Mbit/s, else 1 ms of data up to 64 KB.
func (b *BBR) sendQuantum(s *Sender) int {
	m := mss(s)
	r := s.PacingRate
	switch {
	case r < 1200000/8:
		return m
	case r < 24000000/8:
		return 2 * m
	}
	return min(int(min(r/1000, 64*1024)), 64*1024)
}

// inflight is §4.2.3.2 BBRInflight(gain): gain * BDP + 3 send quanta.
func (b *BBR) inflight(s *Sender, gain float64) int {
	if b.rtProp == noRTT || b.btlBw.get() == 0 {
		return initialWindow(s, b.InitialWindow)
	}
	bdp := float64(b.btlBw.get()) * b.rtProp.Seconds()
	w := gain*bdp + 3*float64(b.sendQuantum(s))
	return int(min(w, float64(MaxCwnd)))
}

// setPacingRate is §4.2.1: gain * BtlBw, never lowered before the pipe
// is full.
func (b *BBR) setPacingRate(s *Sender, gain float64) {
	bw := b.btlBw.get()
	if bw == 0 {
		return
	}
	r := clampRate(gain * float64(bw))
	if b.filledPipe || r > s.PacingRate {
		s.PacingRate = r
	}
}

// setCwnd is §4.2.3.
func (b *BBR) setCwnd(s *Sender, a *Ack, acked int) {
	m := mss(s)
	target := b.inflight(s, b.cwndGain)
	if b.state == bbrProbeBW && b.cycleIndex == 0 {
		target += 2 * m // Linux: room for the probe's extra segments
	}
	// §4.2.3.4 modulate for recovery.
	if a.Rate.Losses > 0 {
		s.Cwnd = max(s.Cwnd-int(min(a.Rate.Losses, MaxCwnd)), m)
	}
	if b.packetConservation && b.roundStart {
		b.packetConservation = false // one round of conservation
	}
	if b.packetConservation {
		s.Cwnd = max(s.Cwnd, s.InFlight+acked)
	} else if b.filledPipe {
		s.Cwnd = min(s.Cwnd+acked, target)
	} else if s.Cwnd < target || b.delivered < int64(initialWindow(s, b.InitialWindow)) {
		s.Cwnd += acked
	}
	s.Cwnd = max(s.Cwnd, bbrMinPipeSegs*m)
	if b.state == bbrProbeRTT {
		s.Cwnd = min(s.Cwnd, bbrMinPipeSegs*m)
	}
	clampCwnd(s)
}

// saveCwnd is §4.2.3.4 BBRSaveCwnd.
func (b *BBR) saveCwnd(s *Sender) {
	if !b.inRecovery && b.state != bbrProbeRTT {
		b.priorCwnd = s.Cwnd
	} else {
		b.priorCwnd = max(b.priorCwnd, s.Cwnd)
	}
}

// SendQuantum is the burst the sender's pacer may allow (Quantizer).
func (b *BBR) SendQuantum(s *Sender) int { return b.sendQuantum(s) }

// SelfPaced says BBR sets its own pacing rate (SelfPacer).
func (b *BBR) SelfPaced() {}

var (
	_ Quantizer = (*BBR)(nil)
	_ SelfPacer = (*BBR)(nil)
)
