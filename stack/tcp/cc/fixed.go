package cc

import "time"

// Fixed keeps a constant window and no pacing whatever happens: a
// reference for tests of the sender's loss recovery, which then sees the
// same window before and after a loss. It is not congestion control and
// follows no RFC; never use it on a shared network.
type Fixed struct {
	Window int // segments; 0 means 10
}

func (f *Fixed) Name() string { return "fixed" }

func (f *Fixed) Init(s *Sender, now time.Duration) {
	s.Cwnd = initialWindow(s, f.Window)
	s.Ssthresh = InitialSsthresh
	s.PacingRate = 0
	clampCwnd(s)
}

func (f *Fixed) OnAck(s *Sender, a *Ack) {}

func (f *Fixed) OnEvent(s *Sender, ev Event, now time.Duration) {
	// The window is fixed even across an RTO: that is the point of it.
	s.Cwnd = initialWindow(s, f.Window)
	s.Ssthresh = InitialSsthresh
}

// OnDupAck leaves the window alone: Fixed owns its window in recovery too.
func (f *Fixed) OnDupAck(s *Sender, now time.Duration) {}

func (f *Fixed) Phase(s *Sender) string { return "fixed" }

var (
	_ Algorithm = (*Fixed)(nil)
	_ DupAcker  = (*Fixed)(nil)
)
