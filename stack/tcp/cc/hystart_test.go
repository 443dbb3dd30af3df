package cc

import (
	"testing"
	"time"
)

// ssRound acknowledges one window in MSS-sized ACKs spread over rtt, each
// carrying an RTT sample of rtt, and returns the time after the round.
func ssRound(a Algorithm, s *Sender, now, rtt time.Duration) time.Duration {
	n := max(s.Cwnd/testMSS, 1)
	s.InFlight = n * testMSS
	for i := 0; i < n; i++ {
		ack := Ack{Now: now + rtt*time.Duration(i)/time.Duration(n), Acked: testMSS, PriorInFlight: s.InFlight, RTT: rtt}
		s.InFlight -= testMSS
		a.OnAck(s, &ack)
	}
	return now + rtt
}

// RFC 9406 §4.2: the round's minimum RTT rising by RttThresh ends slow
// start in CSS, which grows by a quarter of slow start's rate, and after
// CSS_ROUNDS rounds sets ssthresh = cwnd for congestion avoidance.
func TestHyStartExitsOnRTTRise(t *testing.T) {
	const base = 100 * time.Millisecond // RttThresh = base/8 = 12.5 ms
	c := &Cubic{}
	s := newSender(t, c)
	now := time.Duration(0)
	for r := 0; r < 4; r++ {
		before := s.Cwnd
		now = ssRound(c, s, now, base)
		if c.Phase(s) != "slow_start" || s.Cwnd != 2*before {
			t.Fatalf("round %d at base RTT: phase %q cwnd %d -> %d", r, c.Phase(s), before, s.Cwnd)
		}
	}
	now = ssRound(c, s, now, base+12500*time.Microsecond)
	if c.Phase(s) != "css" {
		t.Fatalf("RTT +RttThresh: phase %q, want css", c.Phase(s))
	}
	if s.Ssthresh != InitialSsthresh {
		t.Fatalf("CSS must not set ssthresh yet (%d)", s.Ssthresh)
	}
	for r := 0; r < 4; r++ { // CSS_ROUNDS = 5
		before := s.Cwnd
		now = ssRound(c, s, now, base+13*time.Millisecond)
		// One window of ACKs in CSS adds a quarter window (the round's
		// first ACK is counted before the round starts, hence ±1 MSS).
		if got, want := s.Cwnd-before, before/4; abs(got-want) > testMSS {
			t.Fatalf("CSS round %d: grew %d, want about %d", r, got, want)
		}
		if c.Phase(s) != "css" {
			t.Fatalf("CSS round %d: phase %q", r, c.Phase(s))
		}
	}
	ssRound(c, s, now, base+13*time.Millisecond)
	if s.Ssthresh == InitialSsthresh || c.Phase(s) == "css" || c.Phase(s) == "slow_start" {
		t.Fatalf("after %d CSS rounds: ssthresh %d phase %q, want congestion avoidance", 5, s.Ssthresh, c.Phase(s))
	}
}

// The threshold is clamped to [4 ms, 16 ms] (RFC 9406 §4.3): a rise just
// below it keeps slow start, a rise of it exits.
func TestHyStartThreshold(t *testing.T) {
	cases := []struct {
		base, thresh time.Duration
	}{
		{10 * time.Millisecond, 4 * time.Millisecond},   // base/8 below MIN_RTT_THRESH
		{80 * time.Millisecond, 10 * time.Millisecond},  // base/8
		{500 * time.Millisecond, 16 * time.Millisecond}, // base/8 above MAX_RTT_THRESH
	}
	for _, tc := range cases {
		for _, rise := range []time.Duration{tc.thresh - time.Millisecond, tc.thresh} {
			c := &Cubic{}
			s := newSender(t, c)
			now := ssRound(c, s, 0, tc.base)
			now = ssRound(c, s, now, tc.base)
			ssRound(c, s, now, tc.base+rise)
			css := c.Phase(s) == "css"
			if want := rise >= tc.thresh; css != want {
				t.Errorf("base %v rise %v: CSS %v, want %v", tc.base, rise, css, want)
			}
		}
	}
}

// RFC 9406 §4.2: in CSS a round whose minimum RTT falls below the baseline
// means the exit was spurious; slow start resumes.
func TestHyStartSpuriousExit(t *testing.T) {
	c := &Cubic{}
	s := newSender(t, c)
	now := ssRound(c, s, 0, 50*time.Millisecond)
	now = ssRound(c, s, now, 50*time.Millisecond)
	now = ssRound(c, s, now, 60*time.Millisecond)
	if c.Phase(s) != "css" {
		t.Fatalf("phase %q, want css", c.Phase(s))
	}
	now = ssRound(c, s, now, 50*time.Millisecond)
	if c.Phase(s) != "slow_start" {
		t.Fatalf("RTT back below baseline: phase %q, want slow_start", c.Phase(s))
	}
	before := s.Cwnd
	ssRound(c, s, now, 50*time.Millisecond)
	if s.Cwnd != 2*before {
		t.Errorf("resumed slow start grew %d -> %d, want doubling", before, s.Cwnd)
	}
}

// RFC 9406 §4.2: cwnd grows by min(N, L*SMSS) per ACK, L = 8 unpaced and
// unlimited when paced.
func TestHyStartPerAckLimit(t *testing.T) {
	for _, paced := range []bool{false, true} {
		c := &Cubic{}
		s := newSender(t, c)
		if paced {
			s.PacingRate = 1e6
		}
		before := s.Cwnd
		c.OnAck(s, &Ack{Acked: 20 * testMSS, PriorInFlight: s.Cwnd, RTT: 10 * time.Millisecond})
		want := 8 * testMSS
		if paced {
			want = 20 * testMSS
		}
		if s.Cwnd-before != want {
			t.Errorf("paced %v: grew %d, want %d", paced, s.Cwnd-before, want)
		}
	}
}

// A loss ends HyStart++ for the connection: the slow start after a later
// RTO is plain (RFC 9406 §4.3), whatever the RTT does.
func TestHyStartOnlyInitialSlowStart(t *testing.T) {
	c := &Cubic{}
	s := newSender(t, c)
	now := ssRound(c, s, 0, 50*time.Millisecond)
	s.InFlight = s.Cwnd
	c.OnEvent(s, EventRTO, now)
	s.Cwnd = 10 * testMSS
	s.Ssthresh = InitialSsthresh
	for r, rtt := range []time.Duration{50, 50, 80, 120, 200} {
		before := s.Cwnd
		now = ssRound(c, s, now, rtt*time.Millisecond)
		if s.Cwnd != 2*before {
			t.Fatalf("round %d after RTO: cwnd %d -> %d, want plain slow start", r, before, s.Cwnd)
		}
	}
}

// With NoHyStart the same RTT rise is ignored.
func TestCubicNoHyStart(t *testing.T) {
	c := &Cubic{NoHyStart: true}
	s := newSender(t, c)
	now := ssRound(c, s, 0, 50*time.Millisecond)
	now = ssRound(c, s, now, 50*time.Millisecond)
	before := s.Cwnd
	ssRound(c, s, now, 100*time.Millisecond)
	if c.Phase(s) != "slow_start" || s.Cwnd != 2*before {
		t.Errorf("phase %q, cwnd %d -> %d", c.Phase(s), before, s.Cwnd)
	}
}

// On a bottleneck with a deep queue (4 BDP) the queue's delay growth ends
// slow start in CSS before the first loss, and the overshoot costs far
// fewer drops than plain slow start's (the point of RFC 9406). Rounds are
// counted from the simulator's rate samples here.
func TestHyStartOnDeepQueue(t *testing.T) {
	cfg := simConfig{Rate: 50e6 / 8, RTT: 20 * time.Millisecond, Queue: 500000, Duration: 3 * time.Second, Seed: 1}
	hs := runSim(cfg, &Cubic{})
	plain := runSim(cfg, &Cubic{NoHyStart: true})
	css, rec := -1, -1
	for i, p := range hs.Phases {
		switch p {
		case "css":
			css = i
		case "recovery":
			rec = i
		}
	}
	if css < 0 || (rec >= 0 && rec < css) {
		t.Fatalf("phases %v: CSS not entered before recovery", hs.Phases)
	}
	t.Logf("drops: HyStart++ %d, plain slow start %d", hs.Dropped, plain.Dropped)
	if hs.Dropped*2 > plain.Dropped {
		t.Errorf("HyStart++ dropped %d, plain slow start %d: want at most half", hs.Dropped, plain.Dropped)
	}
}
