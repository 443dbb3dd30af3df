package cc

import (
	"testing"
	"time"
)

// renoLike are the algorithms that follow RFC 5681 outside recovery.
func renoLike() []Algorithm {
	return []Algorithm{&Reno{}, &NewReno{}}
}

func TestRenoInitialWindow(t *testing.T) {
	for _, iw := range []int{0, 1, 4, 10, 40} {
		for _, a := range []Algorithm{&Reno{InitialWindow: iw}, &NewReno{InitialWindow: iw}} {
			s := newSender(t, a)
			want := iw * testMSS
			if iw == 0 {
				want = 10 * testMSS // RFC 6928
			}
			if s.Cwnd != want || s.Ssthresh != InitialSsthresh {
				t.Errorf("%s iw=%d: cwnd %d ssthresh %d, want %d %d", a.Name(), iw, s.Cwnd, s.Ssthresh, want, InitialSsthresh)
			}
		}
	}
}

// RFC 5681 §3.1: slow start roughly doubles cwnd each RTT, whether every
// segment is acknowledged or every second one (RFC 3465 L=2).
func TestRenoSlowStartDoublesPerRTT(t *testing.T) {
	for _, perAck := range []int{testMSS, 2 * testMSS} {
		for _, a := range renoLike() {
			s := newSender(t, a)
			for round := 0; round < 8; round++ {
				before := s.Cwnd
				ackRound(a, s, time.Duration(round)*50*time.Millisecond, 50*time.Millisecond, perAck)
				if s.Cwnd != 2*before {
					t.Fatalf("%s perAck=%d round %d: cwnd %d -> %d, want doubling", a.Name(), perAck, round, before, s.Cwnd)
				}
			}
		}
	}
}

// RFC 3465 §2.2: in slow start an ACK covering more than 2*SMSS still
// grows cwnd by at most 2*SMSS.
func TestRenoSlowStartByteCountingLimit(t *testing.T) {
	for _, a := range renoLike() {
		s := newSender(t, a)
		before := s.Cwnd
		a.OnAck(s, &Ack{Acked: 8 * testMSS})
		if got := s.Cwnd - before; got != 2*testMSS {
			t.Errorf("%s: grew %d, want %d", a.Name(), got, 2*testMSS)
		}
	}
}

// RFC 5681 §3.1 (3): congestion avoidance adds one SMSS per RTT.
func TestRenoCongestionAvoidanceOneMSSPerRTT(t *testing.T) {
	for _, a := range renoLike() {
		s := newSender(t, a)
		s.Ssthresh = 20 * testMSS
		s.Cwnd = 20 * testMSS
		for round := 0; round < 10; round++ {
			before := s.Cwnd
			ackRound(a, s, 0, 0, testMSS)
			if s.Cwnd != before+testMSS {
				t.Fatalf("%s round %d: cwnd %d -> %d, want +1 MSS", a.Name(), round, before, s.Cwnd)
			}
		}
	}
}

// RFC 5681 §3.2 step 2 and (4): on three duplicate ACKs ssthresh =
// max(FlightSize/2, 2*SMSS); the window is not collapsed to the loss
// window, which only an RTO does.
func TestRenoFastRecoveryThreshold(t *testing.T) {
	cases := []struct {
		inflight, want int
	}{
		{100 * testMSS, 50 * testMSS},
		{101 * testMSS, 101 * testMSS / 2},
		{3 * testMSS, 2 * testMSS}, // floor of 2*SMSS
		{0, 2 * testMSS},
	}
	for _, c := range cases {
		for _, a := range renoLike() {
			s := newSender(t, a)
			s.Cwnd = 120 * testMSS
			s.InFlight = c.inflight
			a.OnEvent(s, EventFastRecovery, time.Second)
			s.InRecovery = true
			if s.Ssthresh != c.want {
				t.Errorf("%s inflight %d: ssthresh %d, want %d", a.Name(), c.inflight, s.Ssthresh, c.want)
			}
			if s.Cwnd < s.Ssthresh {
				t.Errorf("%s inflight %d: cwnd %d below ssthresh %d: treated like an RTO", a.Name(), c.inflight, s.Cwnd, s.Ssthresh)
			}
		}
	}
}

// RFC 5681 §3.1: an RTO sets ssthresh by (4) and cwnd to the loss window
// of one segment; a second RTO for the same data holds ssthresh.
func TestRenoRTOLossWindow(t *testing.T) {
	for _, a := range renoLike() {
		s := newSender(t, a)
		s.Cwnd = 64 * testMSS
		s.InFlight = 40 * testMSS
		a.OnEvent(s, EventRTO, time.Second)
		if s.Cwnd != testMSS || s.Ssthresh != 20*testMSS {
			t.Fatalf("%s: after RTO cwnd %d ssthresh %d, want %d %d", a.Name(), s.Cwnd, s.Ssthresh, testMSS, 20*testMSS)
		}
		s.InFlight = 0 // everything was marked lost
		a.OnEvent(s, EventRTO, 3*time.Second)
		if s.Cwnd != testMSS || s.Ssthresh != 20*testMSS {
			t.Fatalf("%s: after backed-off RTO cwnd %d ssthresh %d, want %d %d", a.Name(), s.Cwnd, s.Ssthresh, testMSS, 20*testMSS)
		}
		// New data acknowledged: a later RTO is a new loss episode.
		a.OnAck(s, &Ack{Now: 4 * time.Second, Acked: testMSS})
		s.InFlight = 4 * testMSS
		a.OnEvent(s, EventRTO, 5*time.Second)
		if s.Ssthresh != 2*testMSS {
			t.Fatalf("%s: fresh RTO ssthresh %d, want %d", a.Name(), s.Ssthresh, 2*testMSS)
		}
	}
}

func TestRenoUndoRestores(t *testing.T) {
	for _, a := range renoLike() {
		s := newSender(t, a)
		s.Cwnd, s.Ssthresh, s.InFlight = 80*testMSS, 60*testMSS, 80*testMSS
		a.OnEvent(s, EventRTO, time.Second)
		a.OnEvent(s, EventUndo, time.Second)
		if s.Cwnd != 80*testMSS || s.Ssthresh != 60*testMSS {
			t.Errorf("%s: undo gave cwnd %d ssthresh %d", a.Name(), s.Cwnd, s.Ssthresh)
		}
	}
}

// RFC 5681 §4.1: after idle, cwnd restarts at no more than IW.
func TestRenoIdleRestart(t *testing.T) {
	for _, a := range renoLike() {
		s := newSender(t, a)
		s.Cwnd = 100 * testMSS
		a.OnEvent(s, EventIdleRestart, time.Minute)
		if s.Cwnd != 10*testMSS {
			t.Errorf("%s: restart window %d", a.Name(), s.Cwnd)
		}
	}
}

// RFC 3168 §6.1.2: ECE halves the window like a loss, without the RTO's
// loss window.
func TestRenoECE(t *testing.T) {
	s := newSender(t, &Reno{})
	s.Cwnd, s.InFlight = 40*testMSS, 40*testMSS
	(&Reno{}).OnEvent(s, EventECE, 0)
	if s.Cwnd != 20*testMSS || s.Ssthresh != 20*testMSS {
		t.Errorf("cwnd %d ssthresh %d", s.Cwnd, s.Ssthresh)
	}
}
