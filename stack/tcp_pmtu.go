package stack

import (
	"net/netip"

	"github.com/tcpbox/tcpbox/stack/icmp"
	"github.com/tcpbox/tcpbox/stack/tcp"
	"github.com/tcpbox/tcpbox/stack/wire"
)

// tcpPathMTU hands a fragmentation-needed message (RFC 1191, RFC 1122
// §4.2.3.9) that quotes a TCP segment of ours to its connection, which
// checks the quoted sequence number (RFC 5927 §4.1) and resends at the
// smaller size (stack/tcp/pmtu.go). The receive goroutine calls it.
func (s *Stack) tcpPathMTU(q icmp.Quote, mtu int) {
	if q.Proto != wire.ProtoTCP || !s.isLocalAddr(q.Src) {
		return
	}
	c, _ := s.tcp().table.lookup(tcpKey{netip.AddrPortFrom(q.Src, q.SrcPort), netip.AddrPortFrom(q.Dst, q.DstPort)})
	if c == nil {
		return
	}
	now := s.now()
	c.mu.Lock()
	if !c.gone && c.tc.PathMTU(now, mtu, tcp.Seq(q.Seq)) {
		c.flushLocked(now)
	}
	c.mu.Unlock()
}

// tcpDF reports whether TCP datagrams to a path of MTU mtu carry DF: not
// below tcp.MinPathMTU, where TCP sizes its segments for that minimum
// and lets IPv4 fragment them, as Linux does below its route minimum.
func tcpDF(mtu int) bool { return mtu >= tcp.MinPathMTU }
