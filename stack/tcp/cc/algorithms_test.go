package cc

import (
	"testing"
	"time"
)

func allAlgorithms(t testing.TB) []Algorithm {
	var l []Algorithm
	for _, n := range Names() {
		a, err := New(n, Options{})
		if err != nil {
			t.Fatal(err)
		}
		l = append(l, a)
	}
	return l
}

// Init gives the RFC 6928 initial window and RFC 5681's arbitrarily high
// ssthresh; an RTO leaves the loss window of one segment (RFC 5681 §3.1,
// RFC 9438 §4.8, the BBR draft's packets_in_flight + 1 with the flight
// marked lost) and ssthresh at least 2*SMSS. Fixed keeps its window by
// design.
func TestLossWindowAllAlgorithms(t *testing.T) {
	for _, a := range allAlgorithms(t) {
		s := newSender(t, a)
		if s.Cwnd != 10*testMSS || s.Ssthresh != InitialSsthresh {
			t.Errorf("%s: Init cwnd %d ssthresh %d", a.Name(), s.Cwnd, s.Ssthresh)
		}
		// Grow a little, then time out with a full flight.
		for i := 0; i < 50; i++ {
			a.OnAck(s, &Ack{Now: time.Duration(i) * time.Millisecond, Acked: testMSS, PriorInFlight: s.Cwnd, RTT: 20 * time.Millisecond})
		}
		s.InFlight = s.Cwnd
		flight := s.InFlight
		a.OnEvent(s, EventRTO, time.Second)
		want := testMSS
		if a.Name() == "fixed" {
			want = 10 * testMSS
		}
		if s.Cwnd != want {
			t.Errorf("%s: cwnd after RTO %d, want %d", a.Name(), s.Cwnd, want)
		}
		if s.Ssthresh < 2*testMSS || s.Ssthresh > max(flight, InitialSsthresh) {
			t.Errorf("%s: ssthresh after RTO %d", a.Name(), s.Ssthresh)
		}
		if got := PhaseOf(a, s); got == "" {
			t.Errorf("%s: no phase name", a.Name())
		}
	}
}

// Three duplicate ACKs give a fast retransmit and no RTO: one segment
// dropped on an otherwise loss-free path with a deep queue. For the
// loss-based algorithms, ssthresh is set from the flight then: FlightSize/2
// (RFC 5681 (4)) or FlightSize*0.7 (RFC 9438 §4.6).
func TestSingleLossFastRetransmitNoRTO(t *testing.T) {
	for _, a := range allAlgorithms(t) {
		if a.Name() == "fixed" {
			continue
		}
		r := runSim(simConfig{Rate: 50e6 / 8, RTT: 20 * time.Millisecond, Queue: 1 << 26, Drop: []int{200}, Duration: time.Second}, a)
		if r.FastRecoveries != 1 || r.RTOs != 0 || r.Retrans != 1 {
			t.Errorf("%s: %d fast recoveries, %d RTOs, %d retransmissions; want 1, 0, 1", a.Name(), r.FastRecoveries, r.RTOs, r.Retrans)
			continue
		}
		flight, ss := r.FlightAtRecovery[0], r.SsthreshAtRecovery[0]
		var want int
		switch a.Name() {
		case "reno", "newreno":
			want = max(flight/2, 2*testMSS)
		case "cubic":
			want = max(int(float64(flight)*0.7), 2*testMSS)
		default:
			continue
		}
		if ss != want {
			t.Errorf("%s: ssthresh %d at a flight of %d, want %d", a.Name(), ss, flight, want)
		}
	}
}

// Every algorithm but Fixed fills a 50 Mbit/s, 20 ms bottleneck with a
// one-BDP queue without timeouts, and each makes progress at 1% random
// loss.
func TestSimUtilisation(t *testing.T) {
	const rate = 50e6 / 8
	for _, loss := range []float64{0, 0.01} {
		for _, a := range allAlgorithms(t) {
			if a.Name() == "fixed" {
				continue
			}
			r := runSim(simConfig{Rate: rate, RTT: 20 * time.Millisecond, Queue: 125000, Loss: loss, Seed: 7, Duration: 10 * time.Second}, a)
			util := float64(r.Delivered) / 10 / rate
			t.Logf("%-8s loss %.0f%%: goodput %.1f%% of the bottleneck, %d retransmissions, %d fast recoveries, %d RTOs",
				a.Name(), 100*loss, 100*util, r.Retrans, r.FastRecoveries, r.RTOs)
			if loss == 0 && (util < 0.90 || r.RTOs != 0) {
				t.Errorf("%s: utilisation %.1f%%, %d RTOs", a.Name(), 100*util, r.RTOs)
			}
			if loss > 0 && util < 0.05 {
				t.Errorf("%s at %.0f%% loss: utilisation %.1f%%", a.Name(), 100*loss, 100*util)
			}
		}
	}
}

// OnAck allocates nothing, for every algorithm and every phase the ACK
// stream drives it through.
func TestOnAckZeroAlloc(t *testing.T) {
	for _, a := range allAlgorithms(t) {
		s := newSender(t, a)
		var total int64
		now := time.Duration(0)
		// The sender keeps its Ack in the connection: a stack Ack passed
		// through the interface would escape to the heap.
		ack := new(Ack)
		n := testing.AllocsPerRun(2000, func() {
			now += 100 * time.Microsecond
			total += testMSS
			*ack = Ack{Now: now, Acked: testMSS, PriorInFlight: s.Cwnd, RTT: 20*time.Millisecond + now/1000,
				Rate: RateSample{Valid: true, Delivered: 14600, Interval: 20 * time.Millisecond, RTT: 20 * time.Millisecond, PriorDelivered: total - 14600, DeliveredTotal: total}}
			s.InFlight = s.Cwnd / 2
			a.OnAck(s, ack)
			_ = PhaseOf(a, s)
		})
		if n != 0 {
			t.Errorf("%s: %v allocations per OnAck", a.Name(), n)
		}
	}
}

func BenchmarkOnAck(b *testing.B) {
	for _, a := range allAlgorithms(b) {
		b.Run(a.Name(), func(b *testing.B) {
			s := newSender(b, a)
			var total int64
			now := time.Duration(0)
			ack := new(Ack)
			for b.Loop() {
				now += 10 * time.Microsecond
				total += testMSS
				*ack = Ack{Now: now, Acked: testMSS, PriorInFlight: s.Cwnd, RTT: 20 * time.Millisecond,
					Rate: RateSample{Valid: true, Delivered: 14600, Interval: 20 * time.Millisecond, PriorDelivered: total - 14600, DeliveredTotal: total}}
				s.InFlight = s.Cwnd / 2
				a.OnAck(s, ack)
			}
		})
	}
}

// Under ACK clocking on the simulated path (no queueing yet), the
// loss-based algorithms double the window every round trip in slow start:
// the window seen one RTT after the k-th round began is IW * 2^k.
func TestSimSlowStartDoubles(t *testing.T) {
	const rtt = 100 * time.Millisecond
	for _, name := range []string{"reno", "newreno", "cubic"} {
		a, _ := New(name, Options{})
		// A fast bottleneck and deep queue: nothing delays or drops the
		// first rounds.
		r := runSim(simConfig{Rate: 1e9, RTT: rtt, Queue: 1 << 30, Duration: 650 * time.Millisecond}, a)
		for k := 1; k <= 5; k++ {
			// The last ACK of round k arrives just before (k+1) RTTs.
			var last simPoint
			for _, p := range r.Trace {
				if p.T < time.Duration(k+1)*rtt {
					last = p
				}
			}
			if want := 10 * testMSS << k; last.Cwnd != want {
				t.Errorf("%s: after round %d cwnd %d, want %d", name, k, last.Cwnd, want)
			}
		}
	}
}
