package tcp

import (
	"testing"
	"time"
)

// The timestamp clock's per-connection offset (RFC 7323 §5.4, §7.1):
// Linux's tcp_timestamps=1 adds a keyed hash of the 4-tuple, =2 sends the
// plain clock. Config.TSNoOffset chooses the second.

// synTSVal opens a connection from localAP to remote and returns the
// TSval of its SYN and the clock in milliseconds at that moment.
func synTSVal(t *testing.T, cfg Config, remotePort uint16) (tsval, clock uint32) {
	t.Helper()
	cfg.ISNKey = [16]byte{7, 7, 7}
	now := 1234567 * time.Millisecond
	remote := peer(int(remotePort))
	c := NewConn(&cfg, localAP, remote, now)
	if err := c.Connect(now); err != nil {
		t.Fatal(err)
	}
	var syn Segment
	c.Output(now, func(s *Segment) { syn = copySeg(s) })
	if syn.Flags != SYN || !syn.Options.HasTS {
		t.Fatalf("no SYN with timestamps: %s", fmtSeg(&syn))
	}
	return syn.Options.TSVal, uint32(now / time.Millisecond)
}

func TestTimestampOffsetPerConnection(t *testing.T) {
	cfg := tsConfig()
	a, clock := synTSVal(t, cfg, 1)
	b, _ := synTSVal(t, cfg, 2)
	again, _ := synTSVal(t, cfg, 1)
	if a == clock || b == clock {
		t.Fatalf("TSval %d, %d: the plain clock %d, no offset", a, b, clock)
	}
	if a-clock == b-clock {
		t.Fatalf("two 4-tuples share the offset %d", a-clock)
	}
	if again != a {
		t.Fatalf("one 4-tuple, two offsets: %d then %d (the offset is a keyed hash, not random per call)", a, again)
	}
}

func TestTimestampNoOffset(t *testing.T) {
	cfg := tsConfig()
	cfg.TSNoOffset = true
	for port := uint16(1); port <= 2; port++ {
		if v, clock := synTSVal(t, cfg, port); v != clock {
			t.Fatalf("port %d: TSval %d, want the plain clock %d", port, v, clock)
		}
	}
	// The passive side's SYN-ACK and its later segments too.
	h := newLHarness(t, cfg, 4)
	h.In(peer(0), Segment{Seq: peerISS, Flags: SYN, Window: 65535,
		Options: Options{MSS: 1000, WScale: -1, HasTS: true, TSVal: 99}})
	sa := h.Next()
	if want := uint32(h.now / time.Millisecond); !sa.Options.HasTS || sa.Options.TSVal != want {
		t.Fatalf("SYN-ACK %s, want TSval %d", fmtSeg(&sa), want)
	}
	// A SYN cookie's TSval keeps the clock in all but its low option bits.
	cfg.SynCookies = SynCookiesAlways
	h = newLHarness(t, cfg, 4)
	h.In(peer(1), Segment{Seq: peerISS, Flags: SYN, Window: 65535,
		Options: Options{MSS: 1000, WScale: -1, HasTS: true, TSVal: 99}})
	sa = h.Next()
	if d := uint32(h.now/time.Millisecond) - sa.Options.TSVal; !sa.Options.HasTS || d >= 1<<tsOptBits {
		t.Fatalf("cookie SYN-ACK %s: %d below the plain clock", fmtSeg(&sa), d)
	}
}
