package iperf3

import (
	"context"
	"errors"
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

	TCPStats StatsFunc  // server-side TCP figures; nil: none reported
	Tune     TuneFunc   // per-connection options; nil: options are ignored
	Listen   ListenFunc // reopens the listener with options (MSS, window); nil: Tune only

	Stats svc.Stats
	// Tests counts tests run to the end of the results exchange.
	Tests atomic.Uint64

	mu      sync.Mutex
	pending map[string]*session // by cookie, while streams are being set up
	ln      net.Listener        // current listener (replaced by Listen)
	stopped bool                // Serve is ending: no more listeners
	optMu   sync.Mutex          // one test with listener options in setup at a time
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
	s.ln = ln
	s.stopped = false
	s.mu.Unlock()

	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	if pc != nil {
		s.udp = newUDPMux(pc, &s.Stats)
		wg.Add(1)
		go func() { defer wg.Done(); s.udp.run(ctx) }()
	}

	// Accept from whichever listener is current; a swap (see relisten)
	// closes the old one, and the loop moves to the new.
	wg.Add(1)
	go func() {
		defer wg.Done()
		<-ctx.Done()
		s.mu.Lock()
		s.stopped = true
		s.ln.Close()
		s.mu.Unlock()
	}()
	acc := make(chan net.Conn)
	accErr := make(chan error, 1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		var seq uint64
		// The acceptor ends when the current listener fails without a
		// replacement, which a cancel guarantees.
		for {
			s.mu.Lock()
			cur := s.ln
			s.mu.Unlock()
			c, err := cur.Accept()
			if err != nil {
				s.mu.Lock()
				swapped := s.ln != cur
				s.mu.Unlock()
				if swapped && ctx.Err() == nil {
					continue
				}
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() && ctx.Err() == nil {
					continue
				}
				accErr <- err
				return
			}
			seq++
			c = &seqConn{Conn: c, seq: seq}
			select {
			case acc <- c:
			case <-ctx.Done():
				c.Close()
			}
		}
	}()

	// Admission and connection goroutines, tracked so Serve can wait.
	// The server keeps its own clocks (SetupTimeout, MaxDuration): an idle
	// timeout would end a control connection that is quiet for the
	// length of a test.
	lim := s.limits()
	lim.IdleTimeout = 0
	err := svc.Serve(ctx, &chanListener{acc: acc, errc: accErr, addr: ln.Addr(), done: ctx.Done()}, lim, &s.Stats, func(cctx context.Context, c *svc.Conn) {
		s.handle(cctx, c)
	})
	cancel()
	return err
}

// chanListener adapts the swapping accept loop to svc.Serve.
type chanListener struct {
	acc    chan net.Conn
	errc   chan error
	addr   net.Addr
	done   <-chan struct{}
	once   sync.Once
	closed chan struct{}
}

func (l *chanListener) Accept() (net.Conn, error) {
	l.once.Do(func() { l.closed = make(chan struct{}) })
	select {
	case c := <-l.acc:
		return c, nil
	case err := <-l.errc:
		if errors.Is(err, net.ErrClosed) {
			return nil, net.ErrClosed
		}
		return nil, err
	case <-l.done:
		return nil, net.ErrClosed
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *chanListener) Close() error {
	l.once.Do(func() { l.closed = make(chan struct{}) })
	select {
	case <-l.closed:
	default:
		close(l.closed)
	}
	return nil
}

func (l *chanListener) Addr() net.Addr { return l.addr }

// relisten replaces the listener with one carrying o (or the defaults for
// a zero o). Connections in the old listener's queue are refused, as with
// iperf3's own server when it recreates its listener.
func (s *Server) relisten(o SockOpts) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return net.ErrClosed
	}
	old := s.ln
	old.Close()
	nl, err := s.Listen(o)
	if err != nil {
		// Fall back to a plain listener so the service stays up.
		if nl, err = s.Listen(SockOpts{}); err != nil {
			return err
		}
	}
	s.ln = nl
	return nil
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
