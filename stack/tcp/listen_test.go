package tcp

import (
	"net/netip"
	"testing"
	"time"
)

type lharness struct {
	t   *testing.T
	cfg *Config
	l   *Listener
	now time.Duration
	out []Segment
}

func newLHarness(t *testing.T, cfg Config, backlog int) *lharness {
	h := &lharness{t: t, cfg: &cfg, now: time.Minute}
	h.l = NewListener(h.cfg, localAP, backlog, [16]byte{1, 2, 3})
	return h
}

func (h *lharness) In(from netip.AddrPort, s Segment) *Conn {
	s.SrcPort, s.DstPort = from.Port(), localAP.Port()
	if s.Options == (Options{}) {
		s.Options = NoOptions
	}
	return h.l.Input(h.now, from, &s, func(s *Segment) { h.out = append(h.out, copySeg(s)) })
}

func (h *lharness) Next() Segment {
	h.t.Helper()
	if len(h.out) == 0 {
		h.t.Fatal("nothing emitted")
	}
	s := h.out[0]
	h.out = h.out[1:]
	return s
}

func (h *lharness) NoOut() {
	h.t.Helper()
	if len(h.out) > 0 {
		h.t.Fatalf("unexpected %s", fmtSeg(&h.out[0]))
	}
}

func (h *lharness) Advance(d time.Duration) {
	h.now += d
	h.l.Output(h.now, func(r netip.AddrPort, s *Segment) { h.out = append(h.out, copySeg(s)) })
}

func peer(n int) netip.AddrPort {
	return netip.AddrPortFrom(netip.MustParseAddr("198.18.0.2"), uint16(40000+n))
}

func TestListenRecvSynSendsSynAck(t *testing.T) {
	h := newLHarness(t, testConfig(), 4)
	if c := h.In(peer(0), Segment{Seq: peerISS, Flags: SYN, Window: 65535, Options: Options{MSS: 1400, WScale: -1}}); c != nil {
		t.Fatal("conn returned on SYN")
	}
	sa := h.Next()
	if sa.Flags != SYN|ACK || sa.Ack != peerISS+1 || sa.Options.MSS != 1000 {
		t.Fatalf("got %s", fmtSeg(&sa))
	}
	if h.l.SynQueueLen() != 1 {
		t.Fatal("not queued")
	}
}

func TestSynReceivedRecvAckEstablished(t *testing.T) {
	h := newLHarness(t, testConfig(), 4)
	h.In(peer(0), Segment{Seq: peerISS, Flags: SYN, Window: 65535, Options: Options{MSS: 1400, WScale: -1}})
	sa := h.Next()
	c := h.In(peer(0), Segment{Seq: peerISS + 1, Ack: sa.Seq + 1, Flags: ACK, Window: 65535, Payload: []byte("hi")})
	if c == nil || c.State() != Established {
		t.Fatal("no established conn")
	}
	if h.l.SynQueueLen() != 0 {
		t.Fatal("still in SYN queue")
	}
	b := make([]byte, 4)
	if n, _ := c.Read(b); string(b[:n]) != "hi" {
		t.Fatalf("read %q", b[:n])
	}
	if c.sndMSS != 1000 {
		t.Fatalf("send MSS %d: min(peer 1400, ours 1000)", c.sndMSS)
	}
}

func TestSynReceivedRetransmitsSynAckThenDrops(t *testing.T) {
	cfg := testConfig()
	cfg.SynAckRetries = 2
	h := newLHarness(t, cfg, 4)
	h.In(peer(0), Segment{Seq: peerISS, Flags: SYN, Window: 65535})
	first := h.Next()
	h.Advance(time.Second)
	if s := h.Next(); s.Seq != first.Seq || s.Flags != SYN|ACK {
		t.Fatalf("retransmission %s", fmtSeg(&s))
	}
	h.Advance(2 * time.Second)
	h.Next()
	h.Advance(4 * time.Second)
	h.NoOut()
	if h.l.SynQueueLen() != 0 || h.l.Stats().SynAckTimeouts != 1 {
		t.Fatalf("queue %d stats %+v", h.l.SynQueueLen(), h.l.Stats())
	}
}

func TestSynReceivedRecvRstBackToListen(t *testing.T) {
	h := newLHarness(t, testConfig(), 4)
	h.In(peer(0), Segment{Seq: peerISS, Flags: SYN, Window: 65535})
	h.Next()
	h.In(peer(0), Segment{Seq: peerISS + 1, Flags: RST})
	if h.l.SynQueueLen() != 0 {
		t.Fatal("entry kept after RST")
	}
	h.NoOut()
}

func TestListenRecvAckSendsRst(t *testing.T) {
	cfg := testConfig()
	cfg.SynCookies = SynCookiesOff
	h := newLHarness(t, cfg, 4)
	h.In(peer(0), Segment{Seq: 10, Ack: 99, Flags: ACK})
	if r := h.Next(); r.Flags != RST || r.Seq != 99 {
		t.Fatalf("got %s", fmtSeg(&r))
	}
}

func TestListenBacklogBoundsSynQueue(t *testing.T) {
	cfg := testConfig()
	cfg.SynCookies = SynCookiesOff
	h := newLHarness(t, cfg, 2)
	for i := 0; i < 5; i++ {
		h.In(peer(i), Segment{Seq: peerISS, Flags: SYN, Window: 65535})
	}
	if h.l.SynQueueLen() != 2 || len(h.out) != 2 || h.l.Stats().SynQueueFull != 3 {
		t.Fatalf("queue %d out %d stats %+v", h.l.SynQueueLen(), len(h.out), h.l.Stats())
	}
}

func TestListenAcceptQueueFullDropsAck(t *testing.T) {
	cfg := testConfig()
	cfg.SynCookies = SynCookiesOff
	h := newLHarness(t, cfg, 1)
	h.In(peer(0), Segment{Seq: peerISS, Flags: SYN, Window: 65535})
	sa := h.Next()
	if h.In(peer(0), Segment{Seq: peerISS + 1, Ack: sa.Seq + 1, Flags: ACK, Window: 65535}) == nil {
		t.Fatal("first not established")
	}
	h.In(peer(1), Segment{Seq: peerISS, Flags: SYN, Window: 65535})
	h.NoOut() // accept queue full: SYN dropped
	h.l.Accepted()
	h.In(peer(1), Segment{Seq: peerISS, Flags: SYN, Window: 65535})
	sa = h.Next()
	if h.In(peer(1), Segment{Seq: peerISS + 1, Ack: sa.Seq + 1, Flags: ACK, Window: 65535}) == nil {
		t.Fatal("second not established after Accepted")
	}
}

func TestListenerCloseResetsHalfOpen(t *testing.T) {
	h := newLHarness(t, testConfig(), 4)
	h.In(peer(0), Segment{Seq: peerISS, Flags: SYN, Window: 65535})
	sa := h.Next()
	var out []Segment
	h.l.Close(func(_ netip.AddrPort, s *Segment) { out = append(out, copySeg(s)) })
	if len(out) != 1 || out[0].Flags != RST || out[0].Seq != sa.Seq+1 {
		t.Fatalf("on close: %v", out)
	}
	if h.l.SynQueueLen() != 0 || h.l.NextDeadline() != 0 {
		t.Fatal("state left after Close")
	}
}
