package stack

import (
	"net"
	"net/netip"
	"os"
	"sync"
	"time"

	"github.com/tcpbox/tcpbox/stack/tcp"
)

// TCPListener is a listening TCP endpoint of a Stack: a net.Listener.
//
// The state machine (tcp.Listener) keeps the SYN queue and answers with
// SYN cookies when it overflows; the accept queue is the channel queue,
// bounded by the backlog. A handshake completing while the accept queue
// is full is answered with a RST and counted, which tells the peer at once
// rather than leaving it to time out.
//
// Concurrency: mu guards tl and remote (the peer the current Input is
// for, read by emitFn). Accept may be called from many goroutines.
type TCPListener struct {
	st   *tcpStack
	addr netip.AddrPort
	name string
	opts tcpOptions

	mu     sync.Mutex
	tl     *tcp.Listener
	cfg    *tcp.Config
	remote netip.AddrPort // peer of the segment being processed, for emitFn
	emitFn func(*tcp.Segment)
	outFn  func(netip.AddrPort, *tcp.Segment)
	timer  tcpTimer
	gone   bool

	queue     chan *TCPConn
	dl        tcpDeadline
	closed    chan struct{}
	closeOnce sync.Once

	// Overflows counts handshakes refused because the accept queue was full.
	overflows uint64
}

var _ net.Listener = (*TCPListener)(nil)

func newTCPListener(st *tcpStack, addr netip.AddrPort, o tcpOptions, cfg *tcp.Config, tl *tcp.Listener) *TCPListener {
	l := &TCPListener{
		cfg:    cfg,
		st:     st,
		addr:   addr,
		name:   o.name,
		opts:   o,
		tl:     tl,
		queue:  make(chan *TCPConn, o.backlog),
		closed: make(chan struct{}),
	}
	l.emitFn = l.emit
	l.outFn = l.emitTo
	l.timer.init(st.s, l.onTimer)
	return l
}

func (l *TCPListener) emit(seg *tcp.Segment) { l.emitTo(l.remote, seg) }

func (l *TCPListener) emitTo(remote netip.AddrPort, seg *tcp.Segment) {
	local := l.addr.Addr()
	if local.IsUnspecified() {
		local = l.st.s.sourceAddr(remote.Addr())
	}
	l.st.send(local, remote.Addr(), seg)
}

// input hands a segment for no established connection to the listener
// (receive loop). local is the segment's destination: for a wildcard
// listener it becomes the new connection's local address.
func (l *TCPListener) input(now time.Duration, local, remote netip.AddrPort, seg *tcp.Segment) {
	l.mu.Lock()
	if l.gone {
		l.mu.Unlock()
		l.st.reset(local, remote, seg)
		return
	}
	l.remote = remote
	tc := l.tl.Input(now, remote, seg, l.emitFn)
	l.tl.Output(now, l.outFn)
	l.timer.arm(l.tl.NextDeadline())
	l.mu.Unlock()
	if tc == nil {
		return
	}
	c := newTCPConn(l.st, l.cfg, tc, local, remote)
	c.listener = l.name
	if !l.st.table.addConn(c) {
		// The 4-tuple is taken (a stale entry won the race): refuse.
		c.mu.Lock()
		c.tc.Abort()
		c.gone = true
		c.tc.Output(now, c.emitFn)
		c.mu.Unlock()
		return
	}
	c.mu.Lock()
	c.flushLocked(now)
	c.mu.Unlock()
	select {
	case l.queue <- c:
	default:
		l.mu.Lock()
		l.overflows++
		l.mu.Unlock()
		c.mu.Lock()
		c.tc.Abort()
		c.flushLocked(now)
		c.mu.Unlock()
	}
}

func (l *TCPListener) onTimer(now time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.gone {
		return
	}
	l.tl.Output(now, l.outFn)
	l.timer.arm(l.tl.NextDeadline())
}

// Accept waits for the next connection, until the deadline set by
// SetDeadline or Close.
func (l *TCPListener) Accept() (net.Conn, error) {
	c, err := l.AcceptTCP()
	if err != nil {
		return nil, err
	}
	return c, nil
}

// AcceptTCP is Accept returning the concrete type.
func (l *TCPListener) AcceptTCP() (*TCPConn, error) {
	dl := l.dl.done()
	for {
		select {
		case <-l.closed:
			return nil, l.opErr(net.ErrClosed)
		default:
		}
		if expired(dl) {
			return nil, l.opErr(os.ErrDeadlineExceeded)
		}
		select {
		case c := <-l.queue:
			l.mu.Lock()
			l.tl.Accepted()
			l.mu.Unlock()
			return c, nil
		case <-l.closed:
		case <-dl:
		}
	}
}

func (l *TCPListener) opErr(err error) error {
	return &net.OpError{Op: "accept", Net: "tcp", Addr: tcpAddr(l.addr), Err: err}
}

// SetDeadline sets the deadline of Accept calls, current and future.
func (l *TCPListener) SetDeadline(t time.Time) error {
	l.dl.set(t)
	return nil
}

// Close stops listening: pending handshakes (SYN-RECEIVED) are reset and
// connections accepted by the stack but not yet taken by Accept are
// aborted with a RST, as Linux does when a listening socket closes.
func (l *TCPListener) Close() error {
	first := false
	l.closeOnce.Do(func() {
		first = true
		close(l.closed)
	})
	if !first {
		return l.opErr(net.ErrClosed)
	}
	l.st.table.removeListener(l)
	l.dl.stop()
	now := l.st.now()
	l.mu.Lock()
	l.gone = true
	l.timer.stop()
	l.tl.Close(l.outFn)
	l.mu.Unlock()
	for {
		select {
		case c := <-l.queue:
			c.mu.Lock()
			c.tc.Abort()
			c.flushLocked(now)
			c.mu.Unlock()
		default:
			return nil
		}
	}
}

// Addr returns the listening address as a *net.TCPAddr.
func (l *TCPListener) Addr() net.Addr { return tcpAddr(l.addr) }

// AddrPort returns the listening address.
func (l *TCPListener) AddrPort() netip.AddrPort { return l.addr }

// TCPListenerStats are a listener's counters: the state machine's (SYNs,
// cookies, queue overflows) and the glue's.
type TCPListenerStats struct {
	tcp.ListenerStats
	SynQueue      int    // handshakes in SYN-RECEIVED now
	AcceptQueue   int    // connections waiting for Accept now
	AcceptRefused uint64 // handshakes reset because the accept queue was full
}

// Stats returns the listener's counters.
func (l *TCPListener) Stats() TCPListenerStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return TCPListenerStats{ListenerStats: l.tl.Stats(), SynQueue: l.tl.SynQueueLen(), AcceptQueue: len(l.queue), AcceptRefused: l.overflows}
}
