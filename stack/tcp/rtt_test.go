package tcp

import (
	"testing"
	"time"
)

// Issue 3: at 0% loss on a sub-millisecond veth, tcpbox resent segments
// the kernel had received (one D-SACK per retransmission). These
// dialogues reproduce it on the manual clock.

const vethRTT = 300 * time.Microsecond

// establishTS is the active open with SACK and timestamps and a
// sub-millisecond handshake RTT; it returns the peer's TSVal.
func (h *harness) establishTS() uint32 {
	h.t.Helper()
	if err := h.c.Connect(h.now); err != nil {
		h.t.Fatal(err)
	}
	h.flush()
	syn := h.Out(Segment{Seq: h.iss(), Flags: SYN})
	h.now += vethRTT
	h.In(Segment{Seq: peerISS, Ack: h.iss() + 1, Flags: SYN | ACK, Window: 65535,
		Options: Options{MSS: 1000, WScale: -1, SACKPermitted: true, HasTS: true, TSVal: 77, TSEcr: syn.Options.TSVal}})
	h.Out(Segment{Seq: h.iss() + 1, Ack: peerISS + 1, Flags: ACK})
	h.NoOut()
	if !h.c.sackOK || !h.c.tsOK {
		h.t.Fatal("SACK or timestamps not negotiated")
	}
	return 77
}

// sendFull writes n segments of the effective MSS (the timestamp option
// takes 12 bytes of it) and expects them all out at once; it returns
// that MSS.
func (h *harness) sendFull(n int) int {
	h.t.Helper()
	mss := h.c.sndMSS
	if _, err := h.c.Write(data(n * mss)); err != nil {
		h.t.Fatal(err)
	}
	h.flush()
	for i := 0; i < n; i++ {
		if s := h.Next(); len(s.Payload) != mss {
			h.t.Fatalf("segment %d: %d bytes, want %d", i, len(s.Payload), mss)
		}
	}
	h.NoOut()
	return mss
}

// ackTS acknowledges off bytes of our data, echoing tsecr.
func (h *harness) ackTS(off int, tsecr uint32) {
	h.t.Helper()
	o := NoOptions
	o.HasTS, o.TSVal, o.TSEcr = true, 78, tsecr
	h.In(Segment{Seq: peerISS + 1, Ack: h.iss() + 1 + Seq(off), Flags: ACK, Window: 65535, Options: o})
}

// TestRTTSubMillisecondWithTimestamps: the timestamp clock ticks in
// milliseconds, so an echo 300µs later reads 0 ms. The sample must come
// from the segment's send time, not collapse to 1µs (RFC 6298 §2 needs
// a measurement of the path, RFC 7323 §4.1 allows either source).
func TestRTTSubMillisecondWithTimestamps(t *testing.T) {
	cfg := recoveryConfig()
	cfg.Timestamps = true
	h := newHarness(t, cfg)
	h.establishTS()
	mss := h.sendFull(4)
	tsval := h.c.tsNow(h.now)
	h.now += vethRTT
	h.ackTS(2*mss, tsval)
	in := h.c.Info(h.now)
	if in.MinRTT != vethRTT || in.SRTT != vethRTT {
		t.Fatalf("min_rtt %v srtt %v, want both %v (the path's RTT)", in.MinRTT, in.SRTT, vethRTT)
	}
}

// TestRTTSkipsRetransmittedSegments: Karn's rule (RFC 6298 §3) for the
// send-time sample: a resent segment's ACK gives no send-time sample;
// the timestamp echo is all there is, and an echo of 0 ms counts as one
// tick of the timestamp clock (as Linux's tcp_ack_update_rtt).
func TestRTTSkipsRetransmittedSegments(t *testing.T) {
	cfg := recoveryConfig()
	cfg.Timestamps = true
	h := newHarness(t, cfg)
	h.establishTS()
	mss := h.sendFull(1)
	h.AdvanceToDeadline() // RTO: the segment again
	if s := h.Next(); s.Seq != h.iss()+1 || len(s.Payload) != mss {
		t.Fatalf("got %s, want the segment again", fmtSeg(&s))
	}
	tsval := h.c.tsNow(h.now)
	h.now += vethRTT
	h.ackTS(mss, tsval)
	in := h.c.Info(h.now)
	if in.RTORetrans != 1 {
		t.Fatalf("rto retransmissions %d, want 1", in.RTORetrans)
	}
	if in.SRTT == vethRTT {
		t.Fatalf("srtt %v: sampled a retransmitted segment by its send time", in.SRTT)
	}
	// The echo read 0 ms: one tick of the timestamp clock, not 1µs.
	if in.MinRTT != vethRTT {
		t.Fatalf("min_rtt %v, want the handshake's %v (a 0 ms echo is not a 1µs RTT)", in.MinRTT, vethRTT)
	}
}

// TestTLPWaitsForAckInBatch: four segments out, the first two ACKed
// 300µs later; the ACK for the rest is delayed 1 ms by a busy host (it
// waits in the receive batch). The probe timeout must leave room for
// that: no probe, and the late ACK finds nothing resent (RFC 8985 §7.2).
func TestTLPWaitsForAckInBatch(t *testing.T) {
	cfg := recoveryConfig()
	cfg.Timestamps = true
	cfg.RACK, cfg.TLP = true, true
	h := newHarness(t, cfg)
	h.establishTS()
	mss := h.sendFull(4)
	tsval := h.c.tsNow(h.now)
	h.now += vethRTT
	h.ackTS(2*mss, tsval)
	h.NoOut()
	h.Advance(time.Millisecond)
	h.NoOut()
	h.ackTS(4*mss, tsval)
	h.NoOut()
	in := h.c.Info(h.now)
	if in.TotalRetrans != 0 || in.TLPProbes != 0 {
		t.Fatalf("retransmissions %d probes %d at 0%% loss, want none", in.TotalRetrans, in.TLPProbes)
	}
}
