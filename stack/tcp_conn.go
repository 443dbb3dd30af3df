package stack

import (
	"io"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tcpbox/tcpbox/stack/tcp"
)

// TCPConn is one TCP connection of a Stack: a net.Conn.
//
// Concurrency: mu guards tc (a tcp.Conn is not safe for concurrent use)
// and is held around every call into it, by the receive loop (Input,
// Output), by the timer (Output) and by the application (Read, Write,
// Close). After each such call the caller runs flushLocked, which emits
// what is due, re-arms the timer and wakes blocked readers and writers
// through readSig and writeSig. Read may be called by one goroutine and
// Write by another at the same time, as with net.Conn.
type TCPConn struct {
	st  *tcpStack
	key tcpKey
	id  uint64 // unique per stack, for the admin page's URLs

	mu     sync.Mutex
	tc     *tcp.Conn
	emitFn func(*tcp.Segment) // c.emit, bound once so Output allocates nothing
	gso    gsoBatch           // data segments of one Output call (tcp_gso.go)
	// deferred: flushLocked is due at the end of the receive batch
	// (tcp_rxbatch.go).
	deferred bool
	// graced: a loss-recovery timer was postponed (tcp_stall.go);
	// cleared by the next flushLocked.
	graced bool
	// emitted counts the segments emit has sent, so flushLocked knows
	// whether an Output sent any.
	emitted uint64
	timer   tcpTimer
	linger  int // SetLinger: <0 default close, 0 abort with RST, >0 Close waits (tcp_linger.go)
	// lingering: Close waits for the FIN's ACK; every flush wakes it.
	lingering bool
	gone      bool // removed from the table

	readSig, writeSig tcpSignal
	rdl, wdl          tcpDeadline
	closed            chan struct{} // closed by Close
	closeOnce         sync.Once
	readShut          atomic.Bool
	listener          string // name of the accepting listener, for Info
}

var _ net.Conn = (*TCPConn)(nil)

func newTCPConn(st *tcpStack, cfg *tcp.Config, tc *tcp.Conn, local, remote netip.AddrPort) *TCPConn {
	c := &TCPConn{
		st:       st,
		key:      tcpKey{local, remote},
		tc:       tc,
		linger:   -1,
		readSig:  newTCPSignal(),
		writeSig: newTCPSignal(),
		closed:   make(chan struct{}),
	}
	c.id = st.nextID.Add(1)
	c.emitFn = c.emit
	if !st.s.opts.NoSendRun {
		// Full segments of new data come as runs of up to one
		// super-segment's worth, which emitRun cuts.
		tc.SetSendRun(maxDatagram)
	}
	c.timer.init(st.s, c.onTimer)
	return c
}

// emit encodes one segment of this connection and sends it. It runs under
// mu, inside tc.Output.
func (c *TCPConn) emit(seg *tcp.Segment) {
	if seg.SegSize > 0 {
		c.emitRun(seg)
		return
	}
	c.emitted++
	if m := c.st.gsoMax; m > 0 && gsoable(seg) {
		c.emitGSO(seg, m)
		return
	}
	c.flushGSO() // keep the order of segments
	c.st.send(c.key.local.Addr(), c.key.remote.Addr(), seg)
}

// emitRun emits a run's segments (tcp.Segment.SegSize) in order, each as
// emit would have had it alone: into the super-segment under
// construction, or each on its own on a link that does not segment.
func (c *TCPConn) emitRun(seg *tcp.Segment) {
	piece := *seg
	piece.SegSize = 0
	p, size := seg.Payload, seg.SegSize
	for off := 0; off+size <= len(p); {
		piece.Seq = seg.Seq.Add(off)
		piece.Payload = p[off : off+size]
		if c.gso.b != nil && c.st.gsoMax > 0 {
			// As many pieces as the super-segment has room for, at once.
			if n := c.gso.joinRun(&piece, p[off:], c.st.gsoMax, c.st.gather); n > 0 {
				c.emitted += uint64(n / size)
				off += n
				continue
			}
		}
		c.emit(&piece)
		off += size
	}
}

// flushLocked emits everything due, re-arms the timer at the state
// machine's next deadline, wakes waiters whose readiness changed and
// forgets the connection once it is done. The caller holds mu.
// Everything one Output emits (a window's worth of data after an
// application Write) leaves the stack in one Link.WriteBatch.
func (c *TCPConn) flushLocked(now time.Duration) {
	s := c.st.s
	s.holdTx()
	c.flushHeld(now)
	s.releaseTx()
}

// flushAndUnlock is flushLocked, but what it emitted is written after mu
// is let go: the sendmmsg, with the peer's receive processing inside it
// on a veth, runs without mu held, so the receive goroutine, with the
// next segment of this connection in hand, does not wait for that system
// call (in a request/response exchange the peer's next request often
// arrives before the send of the answer to the last one has returned).
func (c *TCPConn) flushAndUnlock(now time.Duration) {
	s := c.st.s
	s.holdTx()
	c.flushHeld(now)
	c.mu.Unlock()
	s.releaseTx()
}

// flushHeld is flushLocked's work; the caller also holds the transmit
// queue.
func (c *TCPConn) flushHeld(now time.Duration) {
	s := c.st.s
	c.holdIfBehind(now)
	c.graced = false
	emitted := c.emitted
	c.tc.Output(now, c.emitFn)
	c.flushGSO()
	if c.emitted != emitted {
		// Sent late: the timers run from the sending (tcp_stall.go).
		if d := s.now() - now; d > stallLate {
			c.tc.Delayed(d)
		}
	}
	if ev := c.tc.Events(); ev != 0 {
		if ev&(tcp.EventReadable|tcp.EventConnected|tcp.EventClosed) != 0 {
			c.readSig.poke()
		}
		if ev&(tcp.EventWritable|tcp.EventConnected|tcp.EventClosed) != 0 {
			c.writeSig.poke()
		}
	}
	if c.lingering {
		c.writeSig.poke()
	}
	if c.tc.Done() {
		c.forgetLocked()
		return
	}
	c.timer.arm(c.tc.NextDeadline())
}

// input hands one arriving segment to the state machine (receive loop).
// It returns true, having done nothing else, when the segment is a SYN
// that may reopen this connection from TIME-WAIT (RFC 6191): the
// connection is then forgotten and the caller gives the SYN to the
// listener.
func (c *TCPConn) input(now time.Duration, seg *tcp.Segment) bool {
	c.mu.Lock()
	if seg.Flags&tcp.SYN != 0 && c.tc.AcceptsNewSYN(seg) {
		c.forgetLocked()
		c.mu.Unlock()
		return true
	}
	before := c.tc.HoleBlocks()
	c.tc.Input(now, seg)
	if c.readShut.Load() {
		c.discardLocked()
	}
	// Some ACKs go now, not at the batch's end (tcp.Conn.HoleBlocks says
	// which and why).
	after := c.tc.HoleBlocks()
	urgent := after < before ||
		(after > 0 && !c.tc.SACKOK()) ||
		(after > before && after >= tcp.SACKBlocksPerAck)
	if urgent || seg.Flags&(tcp.SYN|tcp.FIN|tcp.RST) != 0 || !c.st.deferFlush(c) {
		c.flushLocked(now)
	}
	c.mu.Unlock()
	return false
}

// forgetLocked removes the connection from the table and the timer heap.
func (c *TCPConn) forgetLocked() {
	if !c.gone {
		c.gone = true
		c.timer.stop()
		c.st.table.removeConn(c)
	}
}

// onTimer runs when the deadline the connection asked for has come
// (the timer goroutine). A loss-recovery timer yields first to ACKs that
// have already arrived (tcp_stall.go): inside a receive batch the
// connection's Output waits for the batch's end, and while frames wait
// on the link or after a stall the timer is postponed, boundedly.
func (c *TCPConn) onTimer(now time.Duration) {
	c.mu.Lock()
	if c.timerDue(now) {
		c.flushAndUnlock(now)
		return
	}
	c.mu.Unlock()
}

// timerDue is onTimer's verdict, under mu: whether Output is due now.
func (c *TCPConn) timerDue(now time.Duration) bool {
	if c.gone {
		return false
	}
	if c.timer.woke.Swap(false) {
		// The receive goroutine has caught up (tcp_rxlag.go): the
		// timers it held are judged now.
		c.tc.HoldLossTimers(now, 0)
	}
	if d := c.tc.NextDeadline(); d == 0 || now < d {
		// Woken by the receive goroutine's catch-up after an ACK had
		// already moved the deadline (tcp_rxlag.go): nothing is due.
		c.timer.arm(d)
		return false
	}
	due := c.tc.RetransmitDue(now)
	g, await := stallGrace(now, due, c.graced, c.st.rxLag.caughtUp(), c.st.s.rxPending)
	// Frames wait on the link: the end of the batch in progress is not
	// enough, the ACK may be in a later one.
	if !await && c.st.deferFlush(c) {
		return false
	}
	if g > 0 {
		c.graced = true
		c.st.stallGraces.Add(1)
		c.timer.arm(now + g)
		if await {
			// Held in the state machine too: an Output for another
			// reason (a segment of this connection read before the
			// ACK) must not resend meanwhile.
			c.tc.HoldLossTimers(now, now+g)
			c.st.rxLag.await(&c.timer, due)
		}
		return false
	}
	return true
}

// discardLocked drops received data after CloseRead, so the window stays
// open the way Linux's shutdown(SHUT_RD) leaves it.
func (c *TCPConn) discardLocked() {
	var scratch [512]byte
	for c.tc.Readable() {
		n, err := c.tc.Read(scratch[:])
		if n == 0 || err != nil {
			return
		}
	}
}

func (c *TCPConn) isClosed() bool {
	select {
	case <-c.closed:
		return true
	default:
		return false
	}
}

func (c *TCPConn) opErr(op string, err error) error {
	return opError(op, c.key.local, c.key.remote, err)
}

func expired(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// Read reads received data, blocking until some is there, the peer has
// closed (io.EOF), the connection failed, or the read deadline passed.
func (c *TCPConn) Read(p []byte) (int, error) {
	if c.isClosed() {
		return 0, c.opErr("read", net.ErrClosed)
	}
	if c.readShut.Load() {
		return 0, io.EOF
	}
	dl := c.rdl.done()
	for {
		if expired(dl) {
			return 0, c.opErr("read", os.ErrDeadlineExceeded)
		}
		if len(p) == 0 {
			return 0, nil
		}
		c.mu.Lock()
		n, err := c.tc.Read(p)
		if n > 0 {
			// Reading opens the window: Output sends the window update
			// when the state machine finds one worth sending (RFC 9293
			// §3.8.6.2.2). It leaves after mu is let go.
			c.flushAndUnlock(c.st.now())
			return n, nil
		}
		c.mu.Unlock()
		if err != nil {
			return 0, c.opErr("read", err)
		}
		select {
		case <-c.readSig:
		case <-dl:
		case <-c.closed:
			return 0, c.opErr("read", net.ErrClosed)
		}
	}
}

// Write copies p into the send buffer, blocking while it is full, until
// all of p is taken, the connection fails or the write deadline passes.
func (c *TCPConn) Write(p []byte) (int, error) {
	if c.isClosed() {
		return 0, c.opErr("write", net.ErrClosed)
	}
	dl := c.wdl.done()
	total := 0
	for {
		if expired(dl) {
			return total, c.opErr("write", os.ErrDeadlineExceeded)
		}
		c.mu.Lock()
		n, err := c.tc.Write(p)
		if n > 0 {
			c.flushAndUnlock(c.st.now())
		} else {
			c.mu.Unlock()
		}
		total += n
		p = p[n:]
		if err != nil {
			return total, c.opErr("write", err)
		}
		if len(p) == 0 {
			return total, nil
		}
		if n > 0 {
			continue
		}
		select {
		case <-c.writeSig:
		case <-dl:
		case <-c.closed:
			return total, c.opErr("write", net.ErrClosed)
		}
	}
}

// Close closes the connection: a FIN after the queued data (RFC 9293
// §3.10.4), or a RST when unread data remains or SetLinger(0) was called.
// The connection lingers in the stack (FIN-WAIT, TIME-WAIT) after Close
// returns, without the application. After SetLinger(n > 0) Close blocks
// until the peer acknowledged our data and FIN, or n seconds passed and
// the connection was reset (tcp_linger.go).
func (c *TCPConn) Close() error {
	first := false
	c.closeOnce.Do(func() {
		first = true
		close(c.closed)
	})
	if !first {
		return c.opErr("close", net.ErrClosed)
	}
	c.rdl.stop()
	c.wdl.stop()
	c.mu.Lock()
	var err error
	linger := c.linger
	if linger == 0 {
		c.tc.Abort()
	} else {
		err = c.tc.Close()
	}
	c.flushAndUnlock(c.st.now())
	if err != nil {
		return c.opErr("close", err)
	}
	if linger > 0 {
		c.lingerClose(time.Duration(linger) * time.Second)
	}
	return nil
}

// CloseWrite sends our FIN and keeps receiving (half-close, RFC 9293
// §3.6): the peer reads EOF while we still read what it sends.
func (c *TCPConn) CloseWrite() error {
	if c.isClosed() {
		return c.opErr("close", net.ErrClosed)
	}
	c.mu.Lock()
	err := c.tc.CloseWrite()
	c.flushAndUnlock(c.st.now())
	return c.opErr("close", err)
}

// CloseRead stops reading: Read returns io.EOF and data that arrives
// afterwards is discarded, as after Linux's shutdown(SHUT_RD). TCP has no
// segment for it, so nothing is sent.
func (c *TCPConn) CloseRead() error {
	if c.isClosed() {
		return c.opErr("close", net.ErrClosed)
	}
	c.readShut.Store(true)
	c.mu.Lock()
	c.discardLocked()
	c.flushLocked(c.st.now())
	c.mu.Unlock()
	c.readSig.poke()
	return nil
}

// LocalAddr returns the local address as a *net.TCPAddr.
func (c *TCPConn) LocalAddr() net.Addr { return tcpAddr(c.key.local) }

// RemoteAddr returns the peer's address as a *net.TCPAddr.
func (c *TCPConn) RemoteAddr() net.Addr { return tcpAddr(c.key.remote) }

// LocalAddrPort and RemoteAddrPort return the 4-tuple's halves.
func (c *TCPConn) LocalAddrPort() netip.AddrPort  { return c.key.local }
func (c *TCPConn) RemoteAddrPort() netip.AddrPort { return c.key.remote }

// SetDeadline sets the read and write deadlines.
func (c *TCPConn) SetDeadline(t time.Time) error {
	if c.isClosed() {
		return c.opErr("set", net.ErrClosed)
	}
	c.rdl.set(t)
	c.wdl.set(t)
	return nil
}

// SetReadDeadline sets the deadline of Read calls, current and future.
func (c *TCPConn) SetReadDeadline(t time.Time) error {
	if c.isClosed() {
		return c.opErr("set", net.ErrClosed)
	}
	c.rdl.set(t)
	return nil
}

// SetWriteDeadline sets the deadline of Write calls, current and future.
func (c *TCPConn) SetWriteDeadline(t time.Time) error {
	if c.isClosed() {
		return c.opErr("set", net.ErrClosed)
	}
	c.wdl.set(t)
	return nil
}

// TCPInfo returns the connection's TCB snapshot.
func (c *TCPConn) TCPInfo() tcp.Info {
	c.mu.Lock()
	defer c.mu.Unlock()
	info := c.tc.Info(c.st.now())
	// A wildcard listener's connections know their real local address
	// only here.
	info.Local = c.key.local
	info.ID = c.id
	info.Listener = c.listener
	return info
}
