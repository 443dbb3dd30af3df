package iperf3

import (
	"context"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/tcpbox/tcpbox/services/svc"
)

// udpMux serves every UDP test on one socket: datagrams are dispatched by
// source address. Unlike iperf3, which connect()s a socket per stream and
// reopens its listener, this needs nothing from the stack beyond a
// net.PacketConn and lets several tests run at once. A new stream is the
// client's 4-byte "9876" from an address the mux does not know, given to
// the oldest test from the same client IP still waiting for UDP streams;
// two clients behind one IP setting up UDP tests in the same instant may
// have their streams mixed (each test still gets its count).
type udpMux struct {
	pc      net.PacketConn
	st      *svc.Stats
	mu      sync.Mutex
	streams map[string]*stream // by peer address
	waiting []*waitingUDP
}

type waitingUDP struct {
	sess *session
	want int
}

func newUDPMux(pc net.PacketConn, st *svc.Stats) *udpMux {
	return &udpMux{pc: pc, st: st, streams: make(map[string]*stream)}
}

func (m *udpMux) run(ctx context.Context) {
	svc.ServePacket(ctx, m.pc, m.st, m.datagram)
}

func (m *udpMux) expect(sess *session, n int) {
	m.mu.Lock()
	m.waiting = append(m.waiting, &waitingUDP{sess: sess, want: n})
	m.mu.Unlock()
}

// forget drops a test's streams and its wait.
func (m *udpMux) forget(sess *session) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, w := range m.waiting {
		if w.sess == sess {
			m.waiting = append(m.waiting[:i], m.waiting[i+1:]...)
			break
		}
	}
	for k, st := range m.streams {
		if st.sess == sess {
			delete(m.streams, k)
		}
	}
}

func (m *udpMux) datagram(pc net.PacketConn, p []byte, from net.Addr) {
	key := from.String()
	m.mu.Lock()
	if st := m.streams[key]; st != nil {
		m.mu.Unlock()
		if len(p) == len(udpConnectMsg) && !st.running.Load() {
			// The client repeated its hello: answer again.
			pc.WriteTo(udpConnectReply, from)
			return
		}
		st.receive(p, time.Now())
		return
	}
	if len(p) != len(udpConnectMsg) {
		m.mu.Unlock()
		m.st.Error(ReasonUnknownPeer)
		return
	}
	ap, _ := netip.ParseAddrPort(key)
	ip := ap.Addr().Unmap()
	var sess *session
	for i, w := range m.waiting {
		if w.sess.clientIP == ip {
			sess = w.sess
			if w.want--; w.want == 0 {
				m.waiting = append(m.waiting[:i], m.waiting[i+1:]...)
			}
			break
		}
	}
	if sess == nil {
		m.mu.Unlock()
		m.st.Error(ReasonUnknownPeer)
		return
	}
	st := &stream{sess: sess, peer: cloneAddr(from)}
	m.streams[key] = st
	m.mu.Unlock()
	sess.udpIn <- st // buffered for every stream the test expects
	// iperf_udp_accept: "Let the client know we're ready".
	pc.WriteTo(udpConnectReply, from)
}

func cloneAddr(a net.Addr) net.Addr {
	if u, ok := a.(*net.UDPAddr); ok {
		c := *u
		c.IP = append(net.IP(nil), u.IP...)
		return &c
	}
	return a
}
