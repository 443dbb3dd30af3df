package cc

import (
	"strings"
	"testing"
	"time"
)

// RFC 6582 §3.2 steps 2-6 as far as the window goes: enter with
// ssthresh+3*SMSS, inflate per duplicate ACK, deflate on partial ACKs
// (adding back one SMSS when at least one SMSS was acknowledged), and
// leave with min(ssthresh, max(FlightSize, SMSS)+SMSS).
func TestNewRenoPartialAcks(t *testing.T) {
	n := &NewReno{}
	s := newSender(t, n)
	s.Cwnd, s.InFlight = 20*testMSS, 20*testMSS

	// Segment 1 of 20 lost: three duplicate ACKs.
	n.OnEvent(s, EventFastRecovery, time.Second)
	s.InRecovery = true
	if s.Ssthresh != 10*testMSS || s.Cwnd != 13*testMSS {
		t.Fatalf("entry: ssthresh %d cwnd %d, want %d %d", s.Ssthresh, s.Cwnd, 10*testMSS, 13*testMSS)
	}
	for i := 0; i < 5; i++ {
		n.OnDupAck(s, time.Second)
	}
	if s.Cwnd != 18*testMSS {
		t.Fatalf("after 5 more dup ACKs cwnd %d, want %d", s.Cwnd, 18*testMSS)
	}

	// A partial ACK of 4 segments: deflate by 4, add back 1.
	s.InFlight -= 4 * testMSS
	n.OnAck(s, &Ack{Now: time.Second + 10*time.Millisecond, Acked: 4 * testMSS})
	if s.Cwnd != 15*testMSS {
		t.Fatalf("partial ACK of 4 MSS: cwnd %d, want %d", s.Cwnd, 15*testMSS)
	}
	if !s.InRecovery {
		t.Fatal("partial ACK must not leave recovery")
	}
	// A partial ACK of less than one SMSS: deflate only.
	n.OnAck(s, &Ack{Now: time.Second + 20*time.Millisecond, Acked: 100})
	if s.Cwnd != 15*testMSS-100 {
		t.Fatalf("partial ACK of 100 bytes: cwnd %d, want %d", s.Cwnd, 15*testMSS-100)
	}

	// The full ACK: FlightSize now 3 segments, so cwnd = 4 segments.
	s.InFlight = 3 * testMSS
	s.InRecovery = false
	n.OnEvent(s, EventRecoveryExit, 2*time.Second)
	if s.Cwnd != 4*testMSS {
		t.Fatalf("exit with 3 MSS in flight: cwnd %d, want %d", s.Cwnd, 4*testMSS)
	}
	// Full ACK with a large flight: capped at ssthresh.
	n.OnEvent(s, EventFastRecovery, 3*time.Second)
	s.InFlight = 50 * testMSS
	n.OnEvent(s, EventRecoveryExit, 4*time.Second)
	if s.Cwnd != s.Ssthresh {
		t.Fatalf("exit with a large flight: cwnd %d, want ssthresh %d", s.Cwnd, s.Ssthresh)
	}
}

// Many partial ACKs never drive the window below one segment.
func TestNewRenoDeflationFloor(t *testing.T) {
	n := &NewReno{}
	s := newSender(t, n)
	s.InFlight = 4 * testMSS
	n.OnEvent(s, EventFastRecovery, 0)
	s.InRecovery = true
	for i := 0; i < 10; i++ {
		n.OnAck(s, &Ack{Acked: 50 * testMSS})
		if s.Cwnd < testMSS {
			t.Fatalf("cwnd %d below one MSS", s.Cwnd)
		}
	}
}

// Duplicate ACKs outside fast recovery change nothing (the sender is
// counting them toward the threshold), and after an RTO NewReno is in
// loss recovery, not fast recovery (RFC 6582 §3.2 step 6).
func TestNewRenoDupAckOutsideRecovery(t *testing.T) {
	n := &NewReno{}
	s := newSender(t, n)
	before := s.Cwnd
	n.OnDupAck(s, 0)
	if s.Cwnd != before {
		t.Fatalf("dup ACK outside recovery moved cwnd %d -> %d", before, s.Cwnd)
	}
	s.InFlight = 10 * testMSS
	n.OnEvent(s, EventRTO, 0)
	s.InRecovery = true
	n.OnDupAck(s, 0)
	if s.Cwnd != testMSS {
		t.Fatalf("dup ACK after RTO inflated cwnd to %d", s.Cwnd)
	}
}

// The recovery point of RFC 6582 §3.2, across sequence-number wrap.
func TestRecover(t *testing.T) {
	for _, base := range []uint32{1000, 0xfffff000} {
		var r Recover
		r.Init(base)
		if !r.MayFastRetransmit(base + 1 + 1) {
			t.Errorf("base %#x: first fast retransmit refused", base)
		}
		sndNxt := base + 100000
		r.Start(sndNxt)
		if r.Point() != sndNxt-1 {
			t.Errorf("point %#x, want %#x", r.Point(), sndNxt-1)
		}
		for _, c := range []struct {
			ack         uint32
			full, mayFR bool
		}{
			{base + 5000, false, false},
			{sndNxt - 1, false, false},
			{sndNxt, true, false}, // all data up to recover acknowledged
			{sndNxt + 1, true, true},
			{sndNxt + 5000, true, true},
		} {
			if got := r.Full(c.ack); got != c.full {
				t.Errorf("base %#x ack %#x: Full %v, want %v", base, c.ack, got, c.full)
			}
			if got := r.MayFastRetransmit(c.ack); got != c.mayFR {
				t.Errorf("base %#x ack %#x: MayFastRetransmit %v, want %v", base, c.ack, got, c.mayFR)
			}
		}
	}
}

func TestRegistry(t *testing.T) {
	for _, name := range Names() {
		a, err := New(name, Options{})
		if err != nil {
			t.Fatalf("New(%q): %v", name, err)
		}
		if a.Name() != name {
			t.Errorf("New(%q).Name() = %q", name, a.Name())
		}
		b, _ := New(name, Options{})
		if a == b {
			t.Errorf("New(%q) returned a shared instance", name)
		}
	}
	_, err := New("vegas", Options{})
	if err == nil {
		t.Fatal("unknown name accepted")
	}
	for _, name := range Names() {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not list %q", err, name)
		}
	}
}
