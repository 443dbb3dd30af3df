package stack

import (
	"crypto/rand"
	"errors"
	mrand "math/rand/v2"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tcpbox/tcpbox/nic"
	"github.com/tcpbox/tcpbox/stack/tcp"
	"github.com/tcpbox/tcpbox/stack/wire"
)

// tcpStack is one Stack's TCP: the demux table, the defaults every dial
// and listener start from, the secret for ISNs and SYN cookies, and the
// counters of segments that reached no connection.
type tcpStack struct {
	s     *Stack
	table tcpTable
	key   [16]byte // RFC 6528 ISN and RFC 4987 SYN-cookie secret

	cfgMu sync.Mutex
	cfg   tcp.Config // defaults; options copy and adjust them

	rngMu sync.Mutex
	rng   *mrand.Rand

	resetsSent atomic.Uint64
	nextID     atomic.Uint64 // tcp.Info.ID of the next connection

	// gsoMax is the longest TCP super-segment (TCP header and data) the
	// link segments itself, 0 when it does not (tcp_gso.go).
	gsoMax int
	// gather: super-segments carry their payload as a Tail pointing
	// into the send buffer instead of a copy (tcp_gso.go).
	gather             bool
	gsoSegs, gsoFrames atomic.Uint64 // segments sent inside super-segments, and those

	rxb tcpRxBatch // connections to flush at the end of the receive batch
	// rxLag is the receive watermark and the timers waiting for it
	// (tcp_rxlag.go).
	rxLag rxLag
	// stallGraces counts loss-recovery timers postponed because they
	// fired late, after a stall of the process, or while frames that
	// arrived before their deadline waited on the link (tcp_stall.go).
	stallGraces atomic.Uint64
}

// tcp returns the stack's TCP state (Stack.tcpState), making it on first
// use. Every received segment asks, so it is one atomic load.
func (s *Stack) tcp() *tcpStack {
	if t := s.tcpState.Load(); t != nil {
		return t
	}
	t := newTCPStack(s)
	if !s.tcpState.CompareAndSwap(nil, t) {
		return s.tcpState.Load() // another goroutine made it first
	}
	// Owner: ends when the stack closes (s.done).
	go func() {
		<-s.done
		t.shutdown()
	}()
	return t
}

func newTCPStack(s *Stack) *tcpStack {
	t := &tcpStack{s: s, cfg: tcp.DefaultConfig()}
	rand.Read(t.key[:]) // crypto/rand.Read never fails (Go 1.24+)
	t.cfg.ISNKey = t.key
	t.cfg.MTU = s.mtu
	var seed [32]byte
	rand.Read(seed[:])
	t.rng = mrand.New(mrand.NewChaCha8(seed))
	t.table.init()
	if l, ok := s.link.(gsoLink); ok {
		if m := l.GSOMaxSize(); m > 0 {
			t.gsoMax = min(m-wire.EthernetHeaderLen, maxDatagram) - wire.IPv4MinHeaderLen
			t.gather = nic.Gathers(s.link) && !s.opts.CopySend
		}
	}
	return t
}

// SetTCPConfig replaces the defaults that later dials and listeners start
// from (their options still apply on top). The ISN/cookie secret and the
// MTU stay the stack's.
func (s *Stack) SetTCPConfig(cfg tcp.Config) error {
	t := s.tcp()
	cfg.ISNKey = t.key
	if cfg.MTU == 0 || cfg.MTU > s.mtu {
		cfg.MTU = s.mtu
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	t.cfgMu.Lock()
	t.cfg = cfg
	t.cfgMu.Unlock()
	return nil
}

// TCPConfig returns the current defaults.
func (s *Stack) TCPConfig() tcp.Config {
	t := s.tcp()
	t.cfgMu.Lock()
	defer t.cfgMu.Unlock()
	return t.cfg
}

// shutdown runs when the stack closes: listeners stop accepting and every
// connection's blocked calls return net.ErrClosed. Nothing is sent: the
// link is gone.
func (t *tcpStack) shutdown() {
	for _, l := range t.table.snapshotListeners() {
		l.Close()
	}
	for _, c := range t.table.snapshotConns() {
		c.abandon()
	}
}

func (t *tcpStack) now() time.Duration { return t.s.now() }

// send encodes seg into a pooled buffer and hands it to the IPv4 send
// path (RFC 9293 §3.7.1 sizes: the state machine never produces a
// segment above the path MTU less 40). DF is set so path MTU discovery
// works (RFC 1191).
func (t *tcpStack) send(src, dst netip.Addr, seg *tcp.Segment) {
	s := t.s
	b := s.newBuffer(tcpSegmentLen(seg))
	mtu := s.pathMTU(dst)
	b.Trim(encodeTCPSegment(b.Bytes(), src, dst, seg, mtu-wire.IPv4MinHeaderLen))
	s.sendIPv4(b, dst, wire.ProtoTCP, sendOpts{df: tcpDF(mtu), src: src, tos: seg.ECN & ecnMask})
}

// ecnMask is the ECN field of the IPv4 TOS byte (RFC 3168 §5); tcp sets
// ECT(0) there on new data once ECN is negotiated and reads CE from it.
const ecnMask = 0x03

// reset answers a segment that belongs to nothing (RFC 9293 §3.10.7.1),
// within the stack's RST rate limit.
func (t *tcpStack) reset(local, remote netip.AddrPort, seg *tcp.Segment) {
	rst, ok := tcp.ResetFor(seg)
	if !ok {
		return
	}
	s := t.s
	s.icmpMu.Lock()
	allow := s.rstLimit.Allow(s.now())
	s.icmpMu.Unlock()
	if !allow {
		s.drop(DropRateLimited)
		return
	}
	rst.SrcPort, rst.DstPort = local.Port(), remote.Port()
	t.resetsSent.Add(1)
	t.send(local.Addr(), remote.Addr(), &rst)
}

// input is the TCP receive path for one segment: verify, parse,
// demultiplex, hand over.
func (t *tcpStack) input(src, dst netip.Addr, tos uint8, b []byte, csumVerified bool) {
	var seg tcp.Segment
	if err := parseTCPSegmentCsum(b, src, dst, &seg, csumVerified); err != nil {
		if errors.Is(err, errTCPChecksum) {
			t.s.drop(DropTCPChecksum)
		} else {
			t.s.drop(DropTCPMalformed)
		}
		return
	}
	seg.ECN = tos & ecnMask // RFC 3168 §5: the ECN field of the IP header
	k := tcpKey{netip.AddrPortFrom(dst, seg.DstPort), netip.AddrPortFrom(src, seg.SrcPort)}
	c, l := t.table.lookup(k)
	if g := &t.s.gro; g.on {
		// Receive coalescing (tcp_gro.go).
		if c != nil && g.c == c && t.groJoin(&seg) {
			return
		}
		t.groFlush()
		if c != nil && groable(&seg) {
			t.groStart(c, &seg)
			return
		}
	}
	seg.Lender = t.s.lender(len(seg.Payload))
	now := t.now()
	if c != nil {
		if !c.input(now, &seg) {
			return
		}
		// TIME-WAIT reuse (RFC 6191): the old connection is gone, the SYN
		// goes to the listener.
		c, l = t.table.lookup(k)
		if c != nil {
			return
		}
	}
	if l != nil {
		l.input(now, k.local, k.remote, &seg)
		return
	}
	t.s.drop(DropTCPNoConn)
	t.reset(k.local, k.remote, &seg)
}
