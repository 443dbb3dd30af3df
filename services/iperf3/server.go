package iperf3

import (
	"context"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tcpbox/tcpbox/services/svc"
)

// Defaults of Server's limits.
const (
	DefaultMaxDuration  = 10 * time.Minute
	DefaultSetupTimeout = 10 * time.Second
)

// DefaultLimits allow a full -P 128 --bidir test (257 connections) from one
// client.
var DefaultLimits = svc.Limits{MaxConns: 1024, MaxConnsPerAddr: 2*MaxStreams + 8, IdleTimeout: 0}

// Error reasons counted in Stats.
const (
	ReasonCookie      = "bad_cookie"
	ReasonParams      = "bad_params"
	ReasonDuration    = "duration_exceeds_max"
	ReasonSetup       = "stream_setup_timeout"
	ReasonCtrlClosed  = "control_closed"
	ReasonClientTerm  = "client_terminated"
	ReasonProtocol    = "protocol_violation"
	ReasonResults     = "bad_results"
	ReasonUnknownPeer = "udp_unknown_peer"
	ReasonTune        = "sockopt"
	ReasonServerTerm  = "server_terminated"
	ReasonRate        = "bitrate_exceeds_max"
)

// Server is the iperf3 server. Set the fields before Serve; the zero value
// serves with defaults and no TCP figures.
type Server struct {
	Limits       svc.Limits    // zero value: DefaultLimits
	MaxDuration  time.Duration // longest test accepted (-t); 0 means DefaultMaxDuration
	MaxBitrate   uint64        // bits/s per test: the server sends at most this, and ends a test whose client sends more (10% grace); 0 is unlimited
	SetupTimeout time.Duration // for the cookie, the parameters and the data streams; 0 means DefaultSetupTimeout

	TCPStats StatsFunc // server-side TCP figures; nil: none reported
	Tune     TuneFunc  // per-connection options (-w, -M, -N, -C); nil: options are ignored

	Stats svc.Stats
	// Tests counts tests run to the end of the results exchange.
	Tests atomic.Uint64

	mu      sync.Mutex
	pending map[string]*session // by cookie, while streams are being set up
	udp     *udpMux
}

func (s *Server) limits() svc.Limits {
	if s.Limits == (svc.Limits{}) {
		return DefaultLimits
	}
	return s.Limits
}

func (s *Server) maxDuration() time.Duration {
	if s.MaxDuration <= 0 {
		return DefaultMaxDuration
	}
	return s.MaxDuration
}

func (s *Server) setupTimeout() time.Duration {
	if s.SetupTimeout <= 0 {
		return DefaultSetupTimeout
	}
	return s.SetupTimeout
}

// Serve runs tests from ln (control and TCP data connections) and pc (UDP
// data streams; nil disables UDP tests) until ctx is cancelled or ln is
// closed. It returns once every test and connection has ended.
func (s *Server) Serve(ctx context.Context, ln net.Listener, pc net.PacketConn) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.mu.Lock()
	s.pending = make(map[string]*session)
	s.mu.Unlock()

	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	if pc != nil {
		s.udp = newUDPMux(pc, &s.Stats)
		wg.Add(1)
		go func() { defer wg.Done(); s.udp.run(ctx) }()
	}
	// The server keeps its own clocks (SetupTimeout, MaxDuration): an idle
	// timeout would end a control connection that is quiet for the
	// length of a test.
	lim := s.limits()
	lim.IdleTimeout = 0
	return svc.Serve(ctx, &seqListener{Listener: ln}, lim, &s.Stats, s.handle)
}

// seqListener numbers connections in accept order (svc.Serve accepts from
// one goroutine).
type seqListener struct {
	net.Listener
	seq uint64
}

func (l *seqListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.seq++
	return &seqConn{Conn: c, seq: l.seq}, nil
}

// handle reads the cookie of a new connection and either hands it to the
// test it belongs to as a data stream or runs a new test on it.
func (s *Server) handle(ctx context.Context, c *svc.Conn) {
	raw := c.Raw()
	raw.SetReadDeadline(time.Now().Add(s.setupTimeout()))
	var cookie [CookieLen]byte
	if _, err := io.ReadFull(c, cookie[:]); err != nil {
		s.Stats.Error(ReasonCookie)
		return
	}
	raw.SetReadDeadline(time.Time{})
	key := string(cookie[:])
	s.mu.Lock()
	sess := s.pending[key]
	s.mu.Unlock()
	if sess != nil {
		sess.addTCPStream(ctx, c)
		return
	}
	sess = newSession(s, c, key)
	sess.run(ctx)
}

func (s *Server) register(sess *session) {
	s.mu.Lock()
	s.pending[sess.cookie] = sess
	s.mu.Unlock()
}

func (s *Server) unregister(sess *session) {
	s.mu.Lock()
	if s.pending[sess.cookie] == sess {
		delete(s.pending, sess.cookie)
	}
	s.mu.Unlock()
}

// seqConn numbers connections in accept order. The kernel accepts in the
// order handshakes complete, which is the order an iperf3 client opens its
// streams (one connect after another); the per-connection goroutines that
// read cookies may finish in any order, so a test sorts its streams by
// this number before assigning ids and directions.
type seqConn struct {
	net.Conn
	seq uint64
}

// Raw returns the accepted connection (for the kernel hooks).
func (c *seqConn) Raw() net.Conn { return c.Conn }

// SetLinger lets svc.Reset send a reset through the wrapper.
func (c *seqConn) SetLinger(sec int) error {
	if l, ok := c.Conn.(interface{ SetLinger(int) error }); ok {
		return l.SetLinger(sec)
	}
	return nil
}

func acceptSeq(c net.Conn) uint64 {
	for {
		switch v := c.(type) {
		case *seqConn:
			return v.seq
		case interface{ Raw() net.Conn }:
			c = v.Raw()
		default:
			return 0
		}
	}
}
