package stack

import (
	"errors"
	"net"
	"testing"
)

// SetCongestion and SetMaxSeg reach an accepted connection's state machine
// (as its TCB snapshot shows) and fail with net.ErrClosed after Close.
func TestTCPSetCongestionMaxSeg(t *testing.T) {
	_, _, s := establishedPair(t)
	if err := s.SetCongestion("bbr"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetMaxSeg(700); err != nil {
		t.Fatal(err)
	}
	if i := s.TCPInfo(); i.Congestion != "bbr" || i.SndMSS > 700 {
		t.Fatalf("congestion %q snd_mss %d, want bbr and at most 700", i.Congestion, i.SndMSS)
	}
	var op *net.OpError
	if err := s.SetCongestion("no-such"); !errors.As(err, &op) {
		t.Fatalf("unknown algorithm: %v, want a *net.OpError", err)
	}
	if err := s.SetMaxSeg(1); err == nil {
		t.Fatal("MSS 1 accepted")
	}
	s.Close()
	if err := s.SetCongestion("cubic"); !errors.Is(err, net.ErrClosed) {
		t.Errorf("SetCongestion after Close: %v", err)
	}
	if err := s.SetMaxSeg(1000); !errors.Is(err, net.ErrClosed) {
		t.Errorf("SetMaxSeg after Close: %v", err)
	}
}
