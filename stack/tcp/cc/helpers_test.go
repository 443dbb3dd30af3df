package cc

import (
	"testing"
	"time"
)

const testMSS = 1460

// newSender returns a Sender with the test MSS, initialised by a.
func newSender(t testing.TB, a Algorithm) *Sender {
	t.Helper()
	s := &Sender{MSS: testMSS}
	a.Init(s, 0)
	return s
}

// ackRound acknowledges one round trip's worth of data: cwnd bytes in ACKs
// of perAck bytes each, at time now, with an RTT sample of rtt. The flight
// is full (InFlight = cwnd) at the round's start, as under ACK clocking.
func ackRound(a Algorithm, s *Sender, now, rtt time.Duration, perAck int) {
	left := s.Cwnd
	s.InFlight = s.Cwnd
	for left > 0 {
		n := min(perAck, left)
		left -= n
		ack := Ack{Now: now, Acked: n, PriorInFlight: s.InFlight, RTT: rtt}
		s.InFlight -= n
		a.OnAck(s, &ack)
		// ACK clocking: the sender refills what the window allows.
		s.InFlight = max(s.InFlight, 0)
	}
}
