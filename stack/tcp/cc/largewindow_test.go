package cc

import (
	"testing"
	"time"
)

// Every algorithm, started at a window of 1e9 bytes and fed ACKs of up to
// a gigabyte, rate samples of terabytes per second and clocks running for
// years, keeps Cwnd within [MSS, MaxCwnd], Ssthresh at least 2*MSS, never
// wraps to a negative window, and never lets one ACK grow the window by
// more than the algorithm's own bound: slow start's 2*SMSS per ACK (RFC
// 3465), CUBIC's 1.5x target clamp (RFC 9438 §4.2), or BBR's bytes acked.
func TestLargeWindowsNoOverflow(t *testing.T) {
	for _, a := range allAlgorithms(t) {
		for _, mssBytes := range []int{536, 1460, 9000, 65535} {
			s := &Sender{MSS: mssBytes}
			a.Init(s, 0)
			s.Cwnd = 1e9
			s.InFlight = 1e9
			s.SRTT = 100 * time.Millisecond
			now := time.Duration(0)
			var total int64
			ack := new(Ack)
			for step := 0; step < 3000; step++ {
				switch step {
				case 1000:
					a.OnEvent(s, EventFastRecovery, now)
					a.OnEvent(s, EventRecoveryExit, now)
				case 2000:
					a.OnEvent(s, EventRTO, now)
					a.OnEvent(s, EventUndo, now)
				}
				now += time.Duration(step) * time.Minute
				acked := 1 << 30
				total += int64(acked)
				*ack = Ack{Now: now, Acked: acked, PriorInFlight: s.Cwnd, RTT: 100 * time.Millisecond,
					Rate: RateSample{Valid: true, Delivered: 1 << 40, Interval: time.Millisecond, PriorDelivered: total - 1<<31, DeliveredTotal: total}}
				before := s.Cwnd
				a.OnAck(s, ack)
				if s.Cwnd < mssBytes || s.Cwnd > MaxCwnd || s.Ssthresh < 2*mssBytes {
					t.Fatalf("%s mss %d step %d: cwnd %d ssthresh %d", a.Name(), mssBytes, step, s.Cwnd, s.Ssthresh)
				}
				if grow := s.Cwnd - before; grow > max(before/2+mssBytes, acked) {
					t.Fatalf("%s mss %d step %d: one ACK grew cwnd %d -> %d", a.Name(), mssBytes, step, before, s.Cwnd)
				}
			}
		}
	}
}

// The round counter: with delivered totals a round ends when a segment
// sent after the round began is delivered; without, when the flight
// outstanding at the round's start has been acknowledged.
func TestRoundCounter(t *testing.T) {
	var r roundCounter
	// Delivered totals: flight of 10 segments sent with delivered 0..9.
	starts := 0
	for i := int64(0); i < 30; i++ {
		prior := (i / 10) * 10 // segment i was sent when the previous flight was delivered
		if r.onAck(&Ack{Acked: 1, Rate: RateSample{PriorDelivered: prior, DeliveredTotal: i + 1}}) {
			starts++
			if i%10 != 0 {
				t.Errorf("round started at segment %d", i)
			}
		}
	}
	if starts != 3 {
		t.Errorf("%d rounds over three flights", starts)
	}
	// Bytes fallback: a flight of 10, each ACK of 1 byte.
	var b roundCounter
	starts = 0
	for i := 0; i < 30; i++ {
		if b.onAck(&Ack{Acked: 1, PriorInFlight: 10 - i%10}) {
			starts++
			if i%10 != 0 {
				t.Errorf("fallback round started at ACK %d", i)
			}
		}
	}
	if starts != 3 {
		t.Errorf("fallback: %d rounds over three flights", starts)
	}
}
