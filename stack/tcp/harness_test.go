package tcp

import (
	"bytes"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// The packet-dialogue harness (GUIDE pattern 3): a Conn on a manual
// clock, segments in with h.In, expected segments out with h.Out.

var (
	localAP  = netip.MustParseAddrPort("198.18.0.1:1000")
	remoteAP = netip.MustParseAddrPort("198.18.0.2:2000")
)

const peerISS Seq = 5000

// testConfig is DefaultConfig with the options off, so dialogues show
// only what a test is about; tests that need options turn them on.
func testConfig() Config {
	c := DefaultConfig()
	c.WindowScaling = false
	c.Timestamps = false
	c.SACK = false
	c.QuickAcks = 0
	c.RecvBuf = 64 << 10
	c.SendBuf = 64 << 10
	c.MTU = 1040 // MSS 1000
	c.Autotune = false
	return c
}

type harness struct {
	t   *testing.T
	cfg *Config
	c   *Conn
	now time.Duration
	out []Segment
}

func newHarness(t *testing.T, cfg Config) *harness {
	t.Helper()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, cfg: &cfg, now: time.Second}
	h.c = NewConn(h.cfg, localAP, remoteAP, h.now)
	return h
}

func copySeg(s *Segment) Segment {
	c := *s
	c.Payload = append([]byte(nil), s.Payload...)
	return c
}

// flush runs Output and collects what it emits.
func (h *harness) flush() {
	h.c.Output(h.now, func(s *Segment) { h.out = append(h.out, copySeg(s)) })
}

// In delivers a segment (ports filled in) and collects the replies.
func (h *harness) In(s Segment) {
	h.t.Helper()
	s.SrcPort, s.DstPort = remoteAP.Port(), localAP.Port()
	if s.Options == (Options{}) {
		s.Options = NoOptions
	}
	h.c.Input(h.now, &s)
	h.flush()
}

// Advance moves the clock by d and runs Output.
func (h *harness) Advance(d time.Duration) {
	h.now += d
	h.flush()
}

// AdvanceToDeadline moves the clock to the next deadline and runs Output.
func (h *harness) AdvanceToDeadline() time.Duration {
	h.t.Helper()
	d := h.c.NextDeadline()
	if d == 0 {
		h.t.Fatalf("no deadline armed (state %v)", h.c.State())
	}
	if d > h.now {
		h.now = d
	}
	h.flush()
	return d
}

func fmtSeg(s *Segment) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<SEQ=%d><ACK=%d><CTL=%v><WND=%d>", s.Seq, s.Ack, s.Flags, s.Window)
	if len(s.Payload) > 0 {
		fmt.Fprintf(&b, "<DATA %d bytes>", len(s.Payload))
	}
	o := s.Options
	if o.MSS != 0 {
		fmt.Fprintf(&b, "<MSS=%d>", o.MSS)
	}
	if o.WScale >= 0 {
		fmt.Fprintf(&b, "<WS=%d>", o.WScale)
	}
	if o.SACKPermitted {
		b.WriteString("<SACKOK>")
	}
	if o.HasTS {
		fmt.Fprintf(&b, "<TS=%d,%d>", o.TSVal, o.TSEcr)
	}
	for i := 0; i < o.NumSACK; i++ {
		fmt.Fprintf(&b, "<SACK %d-%d>", o.SACK[i].Start, o.SACK[i].End)
	}
	return b.String()
}

// Next pops the next emitted segment, failing if there is none.
func (h *harness) Next() Segment {
	h.t.Helper()
	if len(h.out) == 0 {
		h.t.Fatalf("no segment emitted (state %v)", h.c.State())
	}
	s := h.out[0]
	h.out = h.out[1:]
	return s
}

// Out checks the next emitted segment's sequence number, acknowledgement,
// flags and payload (and window when want.Window is not 0).
func (h *harness) Out(want Segment) Segment {
	h.t.Helper()
	got := h.Next()
	if got.Seq != want.Seq || got.Flags != want.Flags || (got.Flags&ACK != 0 && got.Ack != want.Ack) ||
		!bytes.Equal(got.Payload, want.Payload) || (want.Window != 0 && got.Window != want.Window) {
		h.t.Fatalf("got  %s\nwant %s", fmtSeg(&got), fmtSeg(&want))
	}
	if got.SrcPort != localAP.Port() || got.DstPort != remoteAP.Port() {
		h.t.Fatalf("ports %d->%d", got.SrcPort, got.DstPort)
	}
	return got
}

// NoOut checks that nothing was emitted.
func (h *harness) NoOut() {
	h.t.Helper()
	if len(h.out) > 0 {
		h.t.Fatalf("unexpected segment %s", fmtSeg(&h.out[0]))
	}
}

func (h *harness) State(want State) {
	h.t.Helper()
	if got := h.c.State(); got != want {
		h.t.Fatalf("state %v, want %v", got, want)
	}
}

// iss is our ISS, known after Connect.
func (h *harness) iss() Seq { return h.c.iss }

// establish does the active open: SYN out, SYN-ACK in, ACK out.
func (h *harness) establish() {
	h.t.Helper()
	if err := h.c.Connect(h.now); err != nil {
		h.t.Fatal(err)
	}
	h.flush()
	syn := h.Out(Segment{Seq: h.iss(), Flags: SYN})
	if syn.Options.MSS == 0 {
		h.t.Fatal("SYN without MSS")
	}
	h.In(Segment{Seq: peerISS, Ack: h.iss() + 1, Flags: SYN | ACK, Window: 65535, Options: Options{MSS: 1000, WScale: -1}})
	h.Out(Segment{Seq: h.iss() + 1, Ack: peerISS + 1, Flags: ACK})
	h.State(Established)
	h.NoOut()
}

func data(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i>>8)
	}
	return b
}
