package cc

import (
	"testing"
	"time"
)

// A window-limited flow over a bottleneck of one segment per service time:
// after the first flight every sample reports the bottleneck rate.
func TestRateSamplerBottleneck(t *testing.T) {
	const (
		seg     = 1000
		service = time.Millisecond // 1e6 bytes/s
		rtt     = 20 * time.Millisecond
		window  = 40 // segments, twice the BDP: a standing queue
	)
	var r RateSampler
	recs := make([]TxRecord, 4000)
	type pending struct {
		at time.Duration
		i  int
	}
	var acks []pending
	busy := time.Duration(0)
	sent, inflight := 0, 0
	send := func(now time.Duration) {
		r.OnSend(now, &recs[sent], inflight*seg)
		busy = max(busy, now) + service
		acks = append(acks, pending{busy + rtt, sent})
		sent++
		inflight++
	}
	for sent < window {
		send(0)
	}
	checked := 0
	for len(acks) > 0 && sent < len(recs) {
		a := acks[0]
		acks = acks[1:]
		r.OnDelivered(a.at, &recs[a.i], seg)
		inflight--
		rs := r.Sample(a.at)
		if rs.DeliveredTotal != int64(a.i+1)*seg {
			t.Fatalf("ack %d: DeliveredTotal %d", a.i, rs.DeliveredTotal)
		}
		if a.i >= 2*window && rs.Valid {
			if got := rs.Rate(); got < 990000 || got > 1010000 {
				t.Fatalf("ack %d: rate %d B/s over %v, want 1e6 ±1%%", a.i, got, rs.Interval)
			}
			if rs.RTT < rtt {
				t.Fatalf("ack %d: RTT %v below the path's %v", a.i, rs.RTT, rtt)
			}
			checked++
		}
		send(a.at)
	}
	if checked < 1000 {
		t.Fatalf("only %d samples checked", checked)
	}
}

// ACK compression: segments sent 1 ms apart whose ACKs arrive together.
// The send interval bounds the sample, so the rate is the send rate and
// not the ACK burst's.
func TestRateSamplerAckCompression(t *testing.T) {
	var r RateSampler
	var recs [10]TxRecord
	for i := range recs {
		r.OnSend(time.Duration(i)*time.Millisecond, &recs[i], i*1000)
	}
	at := 50 * time.Millisecond
	for i := range recs {
		r.OnDelivered(at, &recs[i], 1000)
	}
	rs := r.Sample(at)
	if !rs.Valid || rs.Delivered != 10000 || rs.Interval != 50*time.Millisecond {
		t.Fatalf("sample %+v", rs)
	}
}

// A spurious retransmission after a timeout: the original's ACK arrives
// 5 ms after the resend. The interval is shorter than the minimum RTT, so
// the sample is not valid, and the ambiguous RTT does not lower the
// minimum. The round markers survive.
func TestRateSamplerShortIntervalInvalid(t *testing.T) {
	var r RateSampler
	var a, b TxRecord
	r.OnSend(0, &a, 0)
	r.OnSend(10*time.Millisecond, &b, 1000)
	r.OnDelivered(40*time.Millisecond, &a, 1000)
	if rs := r.Sample(40 * time.Millisecond); !rs.Valid || r.MinRTT() != 40*time.Millisecond {
		t.Fatalf("first sample %+v, min RTT %v", rs, r.MinRTT())
	}
	r.OnSend(45*time.Millisecond, &b, 0) // RTO: b resent, nothing in flight
	r.OnDelivered(50*time.Millisecond, &b, 1000)
	rs := r.Sample(50 * time.Millisecond)
	if rs.Valid {
		t.Fatalf("interval %v below min RTT accepted: %+v", rs.Interval, rs)
	}
	if r.MinRTT() != 40*time.Millisecond {
		t.Fatalf("retransmission's RTT lowered the minimum to %v", r.MinRTT())
	}
	if rs.PriorDelivered != 1000 || rs.DeliveredTotal != 2000 {
		t.Fatalf("invalid sample lost its round markers: %+v", rs)
	}
}

// A segment SACKed and later cumulatively acknowledged counts once.
func TestRateSamplerSackThenAck(t *testing.T) {
	var r RateSampler
	var a, b TxRecord
	r.OnSend(0, &a, 0)
	r.OnSend(0, &b, 1000)
	r.OnDelivered(30*time.Millisecond, &b, 1000) // SACK
	r.Sample(30 * time.Millisecond)
	r.OnDelivered(31*time.Millisecond, &a, 1000) // retransmission of a arrived
	r.OnDelivered(31*time.Millisecond, &b, 1000) // cumulative ACK covers b again
	rs := r.Sample(31 * time.Millisecond)
	if r.Delivered() != 2000 || rs.DeliveredTotal != 2000 {
		t.Fatalf("delivered %d, want 2000", r.Delivered())
	}
}

// draft §3.2: after MarkAppLimited, segments sent carry the app-limited
// mark, and samples are app-limited until the bubble has been delivered.
func TestRateSamplerAppLimited(t *testing.T) {
	var r RateSampler
	var recs [6]TxRecord
	r.OnSend(0, &recs[0], 0)
	r.OnSend(0, &recs[1], 1000)
	r.MarkAppLimited(2000) // nothing more to send; bubble ends at 2000
	r.OnSend(time.Millisecond, &recs[2], 2000)
	if !recs[2].AppLimited || recs[1].AppLimited {
		t.Fatalf("marks: %v %v", recs[1].AppLimited, recs[2].AppLimited)
	}
	r.OnDelivered(20*time.Millisecond, &recs[0], 1000)
	if rs := r.Sample(20 * time.Millisecond); rs.AppLimited || !r.AppLimited() {
		t.Fatalf("segment sent before the mark: sample app-limited %v, phase %v", rs.AppLimited, r.AppLimited())
	}
	r.OnDelivered(21*time.Millisecond, &recs[1], 1000)
	r.Sample(21 * time.Millisecond)
	r.OnDelivered(22*time.Millisecond, &recs[2], 1000)
	rs := r.Sample(22 * time.Millisecond)
	if !rs.AppLimited {
		t.Fatal("segment sent in the app-limited phase gave a non-app-limited sample")
	}
	if r.AppLimited() {
		t.Fatal("phase not over once the bubble was delivered")
	}
	r.OnSend(23*time.Millisecond, &recs[3], 0)
	if recs[3].AppLimited {
		t.Fatal("segment after the phase marked app-limited")
	}
}

// Losses are reported with the ACK that detected them, once.
func TestRateSamplerLosses(t *testing.T) {
	var r RateSampler
	r.OnLost(1460)
	r.OnLost(1460)
	if rs := r.Sample(0); rs.Losses != 2920 || rs.Valid {
		t.Fatalf("sample %+v", rs)
	}
	if rs := r.Sample(0); rs.Losses != 0 {
		t.Fatalf("losses reported twice: %+v", rs)
	}
	if r.Lost() != 2920 {
		t.Fatalf("lost %d", r.Lost())
	}
}

func TestRateSamplerZeroAlloc(t *testing.T) {
	var r RateSampler
	var rec TxRecord
	now := time.Duration(0)
	n := testing.AllocsPerRun(1000, func() {
		now += time.Millisecond
		r.OnSend(now, &rec, 1000)
		r.OnDelivered(now+20*time.Millisecond, &rec, 1000)
		_ = r.Sample(now + 20*time.Millisecond)
	})
	if n != 0 {
		t.Fatalf("%v allocations per send/deliver/sample", n)
	}
}

// A segment retransmitted spuriously, whose original is delivered just
// after the retransmission left, gives no RTT (Karn, RFC 6298 §3): the
// time since the retransmission is not the path's RTT.
func TestRateSamplerRetransmissionNoRTT(t *testing.T) {
	var r RateSampler
	var rec TxRecord
	r.OnSend(0, &rec, 0)
	r.OnSend(19*time.Millisecond, &rec, 1000) // resent before its ACK came
	r.OnDelivered(20*time.Millisecond, &rec, 1000)
	if rs := r.Sample(20 * time.Millisecond); rs.RTT != 0 {
		t.Fatalf("RTT %v from a retransmitted segment, want 0", rs.RTT)
	}
	var fresh TxRecord
	r.OnSend(20*time.Millisecond, &fresh, 0)
	r.OnDelivered(40*time.Millisecond, &fresh, 1000)
	if rs := r.Sample(40 * time.Millisecond); rs.RTT != 20*time.Millisecond {
		t.Fatalf("RTT %v from a segment sent once, want 20ms", rs.RTT)
	}
}
