package stack

import (
	"math/rand/v2"
	"net/netip"
	"sync"
	"time"

	"github.com/tcpbox/tcpbox/stack/dhcp"
	"github.com/tcpbox/tcpbox/stack/wire"
)

// DHCP glue: the client state machine (stack/dhcp) runs under dhcpMu; its
// packets go out through the raw IPv4 path (from 0.0.0.0 before an
// address is bound, broadcast or unicast to the server), and UDP port 68
// comes to it before any socket lookup.

type dhcpGlue struct {
	mu    sync.Mutex
	c     *dhcp.Client
	timer *Timer
	state dhcp.State
}

// initDHCP makes the client; New calls it before starting the goroutines
// that read s.dhcp.
func (s *Stack) initDHCP() {
	g := &dhcpGlue{c: dhcp.NewClient(dhcp.Config{
		MAC: s.mac, ClientID: s.opts.DHCPClientID, Hostname: s.opts.Hostname, Seed: rand.Uint64(),
		Previous: s.opts.DHCPPrevious,
	})}
	g.timer = s.newTimer(s.dhcpTick)
	s.dhcp = g
}

// startDHCP sends the first DISCOVER.
func (s *Stack) startDHCP() {
	g := s.dhcp
	g.mu.Lock()
	g.c.Start(s.now())
	g.mu.Unlock()
	s.dhcpRun(dhcp.EventNone)
}

// dhcpRun sends what the client has due, applies a lease event, logs a
// state change and re-arms the timer.
func (s *Stack) dhcpRun(ev dhcp.Event) {
	g := s.dhcp
	now := s.now()
	g.mu.Lock()
	if e := g.c.Output(now, s.sendDHCP); e != dhcp.EventNone {
		ev = e
	}
	lease, have := g.c.Lease()
	state := g.c.State()
	changed := state != g.state
	g.state = state
	next := g.c.NextDeadline()
	g.mu.Unlock()
	if changed {
		s.log.Info("dhcp", "state", state.String())
	}
	switch ev {
	case dhcp.EventBound:
		s.log.Info("dhcp lease", "addr", lease.Addr, "router", lease.Router, "server", lease.Server, "duration", lease.Duration)
		s.setAddress(lease.Addr, lease.Router)
	case dhcp.EventLost:
		s.log.Info("dhcp lease lost")
		s.setAddress(netip.Prefix{}, netip.Addr{})
	case dhcp.EventRenewed:
		if have {
			s.log.Info("dhcp lease renewed", "addr", lease.Addr, "duration", lease.Duration)
		}
	}
	s.schedule(g.timer, next)
}

func (s *Stack) dhcpTick(time.Duration) { s.dhcpRun(dhcp.EventNone) }

// sendDHCP sends one client message from port 68 to port 67 (RFC 2131
// §4.1), building UDP itself because the source may be 0.0.0.0.
func (s *Stack) sendDHCP(p dhcp.Packet) {
	b := s.newBuffer(wire.UDPHeaderLen + len(p.Data))
	copy(b.Bytes()[wire.UDPHeaderLen:], p.Data)
	h := wire.UDPHeader{SrcPort: dhcpClientPort, DstPort: dhcpServerPort, Src: p.Src, Dst: p.Dst, PayloadLen: len(p.Data)}
	h.Encode(b.Bytes())
	s.sendIPv4(b, p.Dst, wire.ProtoUDP, sendOpts{src: p.Src, ttl: 64})
}

// dhcpAccepts lets a datagram to UDP port 68 through before we have an
// address: a server may unicast its OFFER and ACK to the offered address
// (RFC 2131 §4.1), which is not ours yet.
func (s *Stack) dhcpAccepts(pkt wire.IPv4) bool {
	if s.dhcp == nil || pkt.Protocol() != wire.ProtoUDP || s.routes.Load().Prefix.IsValid() {
		return false
	}
	p := pkt.Payload()
	return len(p) >= 4 && int(p[2])<<8|int(p[3]) == dhcpClientPort
}

func (s *Stack) dhcpInput(pkt wire.IPv4, u wire.UDP) {
	if u.SrcPort() != dhcpServerPort {
		s.drop(DropDHCPMalformed)
		return
	}
	g := s.dhcp
	g.mu.Lock()
	ev, err := g.c.Input(s.now(), u.Payload())
	g.mu.Unlock()
	if err != nil {
		s.drop(DropDHCPMalformed)
		return
	}
	s.ctr.dhcpIn.Add(1)
	s.dhcpRun(ev)
}

// stopDHCP releases the lease (RFC 2131 §4.4.6) before the stack closes.
// The DHCPRELEASE is unicast to the server; if its MAC is not cached the
// message waits in the ARP queue, so stopDHCP gives the resolution up to
// releaseWait before the link goes away.
func (s *Stack) stopDHCP() {
	g := s.dhcp
	g.mu.Lock()
	lease, have := g.c.Lease()
	g.c.Release(s.sendDHCP)
	g.mu.Unlock()
	s.cancel(g.timer)
	s.log.Info("dhcp", "state", dhcp.Stopped.String())
	if !have {
		return
	}
	hop, _, err := s.routes.Load().NextHop(lease.Server)
	if err != nil {
		return
	}
	deadline := time.Now().Add(releaseWait)
	for time.Now().Before(deadline) {
		s.arpMu.Lock()
		_, ok := s.arp.Lookup(s.now(), hop)
		s.arpMu.Unlock()
		if ok {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// releaseWait bounds how long Close waits for the server's MAC.
const releaseWait = time.Second
