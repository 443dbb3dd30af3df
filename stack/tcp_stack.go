//go:build tcpglue

package stack

import (
	"crypto/rand"
	"math/rand/v2"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tcpbox/tcpbox/stack/tcp"
)

// tcpLower is what the TCP glue needs from the rest of the stack: its
// clock, its timer queue, addressing and the IPv4 send path. The Stack
// implements it (tcp_lower.go); tests may stub it.
type tcpLower interface {
	// now is the stack's monotonic clock, as a duration since it started.
	now() time.Duration
	// sendTCP encodes seg (encodeTCPSegment, at most tcpSegmentLen(seg)
	// bytes) as the payload of an IPv4 packet (protocol 6) from src to
	// dst and sends it. seg and its payload are valid during the call
	// only.
	sendTCP(src, dst netip.Addr, seg *tcp.Segment)
	// mtu is the IPv4 MTU of the route to dst.
	mtu(dst netip.Addr) int
	// localAddrFor is the source address for packets to dst.
	localAddrFor(dst netip.Addr) netip.Addr
	// isLocal reports whether a is one of the stack's addresses.
	isLocal(a netip.Addr) bool
}

// tcpStack is one stack's TCP: the demux table, the defaults every dial
// and listener start from, and the counters of segments that reached no
// connection.
type tcpStack struct {
	lower  tcpLower
	table  tcpTable
	timers tcpTimers
	cfg    tcp.Config // defaults; options copy and adjust it
	key    [16]byte   // SYN-cookie and ISN secret (RFC 6528, RFC 4987)

	rngMu sync.Mutex
	rng   *rand.Rand

	// Drop and event counters (segments).
	badChecksum  atomic.Uint64
	badHeader    atomic.Uint64
	resetsSent   atomic.Uint64
	noConnection atomic.Uint64
}

func newTCPStack(lower tcpLower, cfg tcp.Config) *tcpStack {
	s := &tcpStack{lower: lower, cfg: cfg}
	rand.Read(s.key[:]) // crypto/rand never fails on Linux
	s.cfg.ISNKey = s.key
	var seed [32]byte
	rand.Read(seed[:])
	s.rng = rand.New(rand.NewChaCha8(seed))
	s.table.init()
	s.timers.start(lower.now)
	return s
}

// close ends the timer goroutine. Connections are left as they are: the
// stack is going away with its link.
func (s *tcpStack) close() { s.timers.stop() }

func (s *tcpStack) now() time.Duration { return s.lower.now() }

func (s *tcpStack) localAddrFor(dst netip.Addr) netip.Addr { return s.lower.localAddrFor(dst) }

// send encodes seg into an IPv4 packet from src to dst and transmits it.
func (s *tcpStack) send(src, dst netip.Addr, seg *tcp.Segment) {
	s.lower.sendTCP(src, dst, seg)
}

// reset answers a segment that belongs to nothing (RFC 9293 §3.10.7.1).
func (s *tcpStack) reset(local, remote netip.AddrPort, seg *tcp.Segment) {
	rst, ok := tcp.ResetFor(seg)
	if !ok {
		return
	}
	s.resetsSent.Add(1)
	s.send(local.Addr(), remote.Addr(), &rst)
}

// input is the TCP receive path for one IPv4 packet whose protocol is 6:
// verify, parse, demultiplex, hand over.
func (s *tcpStack) input(now time.Duration, src, dst netip.Addr, b []byte) {
	var seg tcp.Segment
	if err := parseTCPSegment(b, src, dst, &seg); err != nil {
		if err == errTCPChecksum {
			s.badChecksum.Add(1)
		} else {
			s.badHeader.Add(1)
		}
		return
	}
	k := tcpKey{netip.AddrPortFrom(dst, seg.DstPort), netip.AddrPortFrom(src, seg.SrcPort)}
	c, l := s.table.lookup(k)
	switch {
	case c != nil:
		c.input(now, &seg)
	case l != nil:
		l.input(now, k.local, k.remote, &seg)
	default:
		s.noConnection.Add(1)
		s.reset(k.local, k.remote, &seg)
	}
}
