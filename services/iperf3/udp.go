package iperf3

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/tcpbox/tcpbox/services/svc"
)

// udpMux serves every UDP test on one socket: datagrams are dispatched by
// source address and port. Unlike iperf3, which connect()s a socket per
// stream and reopens its listener, this needs nothing from the stack beyond
// a net.PacketConn and lets several tests run at once.
//
// A new stream is the client's 4-byte "9876" from an address and port the
// mux does not know; the datagram carries nothing else (no cookie), and
// its source port is unrelated to the control connection's. So the mux
// lets one test per client IP at a time be in stream setup: a second test
// from that IP waits (expect) until the first has all its streams or ends,
// and only then tells its client to create streams. Every hello from a new
// port of that IP then belongs to the one test in setup, and two tests
// from one host never get each other's streams.
type udpMux struct {
	pc      net.PacketConn
	st      *svc.Stats
	mu      sync.Mutex
	streams map[string]*stream // by peer address and port
	setup   map[netip.Addr]*waitingUDP
}

// waitingUDP is the test of a client IP in stream setup.
type waitingUDP struct {
	sess *session
	want int
	done chan struct{} // closed when the setup ends: the next test may go
}

func newUDPMux(pc net.PacketConn, st *svc.Stats) *udpMux {
	return &udpMux{pc: pc, st: st, streams: make(map[string]*stream), setup: make(map[netip.Addr]*waitingUDP)}
}

func (m *udpMux) run(ctx context.Context) {
	svc.ServePacket(ctx, m.pc, m.st, m.datagram)
}

// expect makes sess the test in stream setup for its client IP, waiting
// for another test of that IP to finish its setup first, at most timeout.
func (m *udpMux) expect(ctx context.Context, sess *session, n int, timeout time.Duration) error {
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		m.mu.Lock()
		w := m.setup[sess.clientIP]
		if w == nil {
			m.setup[sess.clientIP] = &waitingUDP{sess: sess, want: n, done: make(chan struct{})}
			m.mu.Unlock()
			return nil
		}
		m.mu.Unlock()
		select {
		case <-w.done:
		case <-t.C:
			return errors.New("iperf3: another UDP test from this client is still setting up")
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// endSetup lets the next test of ip set up its streams. Called with mu
// held.
func (m *udpMux) endSetup(ip netip.Addr, sess *session) {
	if w := m.setup[ip]; w != nil && w.sess == sess {
		delete(m.setup, ip)
		close(w.done)
	}
}

// forget drops a test's streams and ends its setup.
func (m *udpMux) forget(sess *session) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.endSetup(sess.clientIP, sess)
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
	w := m.setup[ip]
	if w == nil {
		m.mu.Unlock()
		m.st.Error(ReasonUnknownPeer)
		return
	}
	sess := w.sess
	if w.want--; w.want == 0 {
		m.endSetup(ip, sess)
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
