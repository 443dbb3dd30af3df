package cc

import (
	"testing"
	"time"
)

// Linux's tcp_is_cwnd_limited, case by case.
func TestCwndLimitedRule(t *testing.T) {
	const m = testMSS
	for _, tc := range []struct {
		name                      string
		full                      bool
		maxFlight, cwnd, ssthresh int
		want                      bool
	}{
		{"not measured", false, 0, 100 * m, 10 * m, true},
		{"window filled, congestion avoidance", true, 5 * m, 100 * m, 10 * m, true},
		{"window filled, slow start", true, 5 * m, 100 * m, InitialSsthresh, true},
		{"slow start below twice the flight", false, 6 * m, 11 * m, InitialSsthresh, true},
		{"slow start at twice the flight", false, 6 * m, 12 * m, InitialSsthresh, false},
		{"slow start above twice the flight", false, 6 * m, 40 * m, InitialSsthresh, false},
		{"congestion avoidance, unfilled though below twice", false, 6 * m, 11 * m, 10 * m, false},
	} {
		s := &Sender{MSS: m, CwndFull: tc.full, MaxFlight: tc.maxFlight, Cwnd: tc.cwnd, Ssthresh: tc.ssthresh}
		if got := s.CwndLimited(); got != tc.want {
			t.Errorf("%s: CwndLimited %v, want %v", tc.name, got, tc.want)
		}
	}
}

// ackAppLimited acknowledges n segments one at a time from a sender whose
// application keeps only flight bytes outstanding: the flight never fills
// the window, and the sender measures it so.
func ackAppLimited(a Algorithm, s *Sender, flight, n int, rtt time.Duration) {
	for i := 0; i < n; i++ {
		s.CwndFull, s.MaxFlight, s.InFlight = false, flight, flight
		a.OnAck(s, &Ack{Now: time.Duration(i+1) * time.Millisecond, Acked: testMSS, PriorInFlight: flight, RTT: rtt})
	}
}

// In slow start an application-limited sender's window stops near twice
// its flight (at most one ACK's growth beyond); in congestion avoidance
// it does not grow at all. BBR models its own window and Fixed never
// grows, so only the window-growing algorithms are held to this.
func TestAppLimitedWindowBounded(t *testing.T) {
	const flight = 8 * testMSS
	for _, a := range []Algorithm{&Reno{}, &NewReno{}, &Cubic{}, &Cubic{NoHyStart: true}} {
		s := newSender(t, a)
		ackAppLimited(a, s, flight, 1000, 20*time.Millisecond)
		// Reno's byte counting adds at most 2 MSS per ACK (RFC 3465),
		// HyStart++ at most L = 8 MSS (RFC 9406 §4.3).
		if s.Cwnd < 2*flight || s.Cwnd > 2*flight+8*testMSS {
			t.Errorf("%s: slow start, flight %d: cwnd %d after 1000 ACKs, want about %d", a.Name(), flight, s.Cwnd, 2*flight)
		}

		s = newSender(t, a)
		s.Ssthresh = 5 * testMSS // congestion avoidance from the start
		s.Cwnd = 20 * testMSS
		ackAppLimited(a, s, flight, 1000, 20*time.Millisecond)
		if s.Cwnd != 20*testMSS {
			t.Errorf("%s: congestion avoidance, flight %d: cwnd %d, want it held at %d", a.Name(), flight, s.Cwnd, 20*testMSS)
		}
	}
}

// A sender whose window was filled grows exactly as one that does not
// measure: validation changes nothing for a bulk transfer.
func TestCwndFullGrowsAsBefore(t *testing.T) {
	for _, mk := range []func() Algorithm{
		func() Algorithm { return &Reno{} },
		func() Algorithm { return &NewReno{} },
		func() Algorithm { return &Cubic{} },
	} {
		a, b := mk(), mk()
		sa, sb := newSender(t, a), newSender(t, b)
		now := time.Duration(0)
		for round := 0; round < 12; round++ {
			now += 20 * time.Millisecond
			if round == 6 {
				sa.InFlight, sb.InFlight = sa.Cwnd, sb.Cwnd
				a.OnEvent(sa, EventFastRecovery, now)
				b.OnEvent(sb, EventFastRecovery, now)
				a.OnEvent(sa, EventRecoveryExit, now)
				b.OnEvent(sb, EventRecoveryExit, now)
			}
			ackRound(a, sa, now, 20*time.Millisecond, testMSS)
			sb.CwndFull, sb.MaxFlight = true, sb.Cwnd
			ackRound(b, sb, now, 20*time.Millisecond, testMSS)
			if sa.Cwnd != sb.Cwnd || sa.Ssthresh != sb.Ssthresh {
				t.Fatalf("%s round %d: cwnd %d ssthresh %d unmeasured, %d %d cwnd-limited",
					a.Name(), round, sa.Cwnd, sa.Ssthresh, sb.Cwnd, sb.Ssthresh)
			}
		}
	}
}
