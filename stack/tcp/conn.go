package tcp

import (
	"net/netip"
	"time"

	"github.com/tcpbox/tcpbox/stack/tcp/cc"
)

// Events are readiness changes a connection reports to the glue, which
// wakes blocked readers and writers accordingly.
type Events uint8

// Event bits.
const (
	EventReadable  Events = 1 << iota // data, end of stream or an error can be read
	EventWritable                     // send buffer space was freed
	EventConnected                    // the handshake completed (ESTABLISHED)
	EventClosed                       // the connection reached CLOSED; Err says why if abnormal
)

// Conn is one TCP connection: the transmission control block of RFC 9293
// §3.3.1 and the machinery around it. It does no I/O and reads no clock;
// it is not safe for concurrent use (the glue holds a lock around every
// call). After Input, Write, Read, Close, CloseWrite or Connect the glue
// calls Output, and it calls Output again at NextDeadline.
type Conn struct {
	cfg           *Config
	local, remote netip.AddrPort
	state         State
	passive       bool // opened by a Listener (a RST in SYN-RECEIVED just drops it)
	err           error
	events        Events

	created, stateSince time.Duration
	now                 time.Duration // the latest time Input or Output saw, for calls that carry none
	timeIn              [NumStates]time.Duration

	// Send sequence variables (RFC 9293 §3.3.1).
	iss, sndUna, sndNxt Seq
	sndMax              Seq // highest sequence number sent + 1 (go-back-N rewinds sndNxt only)
	sndWnd, maxSndWnd   int // peer's window in bytes, scaled
	sndWl1, sndWl2      Seq
	sndShift            uint8
	sndBufSeq           Seq // sequence number of the first byte in snd
	snd                 sendBuf
	userSndBuf          bool // SetSendBuffer fixed the size (SOCK_SNDBUF_LOCK)
	sndNoSpace          bool // a Write found the buffer full (SOCK_NOSPACE)

	// Receive sequence variables.
	irs, rcvNxt Seq
	rcvAdvEdge  Seq // right edge of the window we advertised last (never moved left)
	rcvShift    uint8
	rcvClamp    int // bound on the window from Config.InitRwnd (rcvclamp.go); 0: none
	rcv         recvBuf
	ooo         reassembly

	// Negotiated options.
	wsOK, tsOK, sackOK bool
	offerWS            bool // we sent (or will send) a window scale on our SYN
	peerMSS, sndMSS    int  // peer's MSS option (536 if absent) and our payload per segment
	userMSS            int  // SetMaxSeg's bound on the MSS we send with; 0: none
	// sendRun is the most payload one emitted segment may carry as a run
	// of full segments (Segment.SegSize, SetSendRun); 0: one at a time.
	sendRun         int
	advMSS, rcvMSS  int
	tsOff, tsRecent uint32
	tsRecentAt      time.Duration
	lastAckSent     Seq
	dsack           SACKBlock
	dsackPending    bool

	// Closing.
	finQueued, finSent bool
	finSeq             Seq // our FIN's sequence number once sent
	peerFinPending     bool
	peerFinSeq         Seq // an out-of-order FIN waiting for the gap to fill
	peerFin            bool
	readClosed         bool // Close was called: the application reads no more
	userClosed         bool
	writeClosed        bool

	// Settings copied from cfg that the application may change.
	noDelay, cork bool
	keepAlive     bool
	keepIdle      time.Duration
	keepInterval  time.Duration
	keepCount     int
	userTimeout   time.Duration

	// Round-trip time (RFC 6298) and retransmission.
	rtt        rttEstimator
	rttTiming  bool
	rttSeq     Seq
	rttAt      time.Duration
	backoff    int
	retries    int           // retransmissions of the segment at sndUna
	unackedAt  time.Duration // when the oldest unacknowledged data was first sent (user timeout)
	lastSendAt time.Duration // last time new data went out (idle restart)
	rtoAt      time.Duration
	hold       lossHold // HoldLossTimers (retransmitdue.go)
	synPending bool     // a SYN or SYN-ACK is due

	// Zero-window probing and keepalive.
	persistAt    time.Duration
	probePending bool // a zero-window or keepalive probe is due
	forceSend    bool // the persist timer fired with a small open window: send what fits
	probes       int
	keepAt       time.Duration
	pmtu         int // path MTU learned (pmtu.go); 0: the configured MTU
	keepProbes   int
	lastRecvAt   time.Duration

	// Acknowledgement policy.
	ackNow      bool
	delAckAt    time.Duration
	unackedRcv  int // bytes received since our last ACK
	quickAcks   int
	challengeAt time.Duration
	challengeN  int

	// Closing timers.
	twAt, finWait2At time.Duration

	// Congestion control and loss recovery.
	algo       cc.Algorithm
	ccs        cc.Sender
	ccAck      cc.Ack
	dupAcks    int
	inRecovery bool
	recover    Seq // RFC 6582 §3.2 "recover"
	retxNow    bool
	txq        txQueue
	rs         cc.RateSampler
	rate       uint64 // the last valid delivery-rate sample, bytes/s
	pacer      cc.Pacer
	paceAt     time.Duration // pacing holds the next segment until then
	sb         scoreboard    // SACK loss recovery (scoreboard.go, recovery.go, rack.go)
	tlp        tlpState      // tail loss probe (tlp.go)
	ecn        ecnState      // RFC 3168 (ecn.go)
	frto       frtoState     // RFC 5682 (frto.go)
	tlpAt      time.Duration // the probe timeout; 0: not armed
	trace      *cc.Trace     // per-ACK trace (trace.go); nil unless Config.TracePoints > 0

	// Autotuning (Linux tcp_rcv_space_adjust).
	rcvSpace       int
	rcvSpaceCopied int // bytes read since rcvSpaceAt
	rcvSpaceSeq    Seq
	rcvSpaceAt     time.Duration
	drainedAt      time.Duration // when a read last emptied the buffer (0: never)
	rcvFilled      bool          // the window was about to close before (autotuneOnFull)
	userRcvBuf     bool
	rcvRTT         time.Duration
	rcvRTTAt       time.Duration
	rcvRTTSeq      Seq

	// A RST to send once (in answer to a segment).
	rstPending bool
	rst        Segment

	chrono     chronoState
	cwndUseEnd Seq // the window of ccs.CwndFull and ccs.MaxFlight ends when SND.UNA reaches it (cwndvalid.go)

	out   Segment // the segment handed to emit, reused
	stats stats
}

// stats are the counters Info reports.
type stats struct {
	bytesSent, bytesAcked, bytesRecv, bytesRetrans uint64
	segsIn, segsOut, dataSegsIn, dataSegsOut       uint64
	totalRetrans, fastRetrans, rtoRetrans          uint64
	dupAcksIn, zeroWindowProbes, dsackDups, reord  uint64
	undos, tlps, tlpRecoveries, frtoSpurious       uint64
	rescues                                        uint64
	lastDataSent, lastDataRecv, lastAckRecv        time.Duration
	drops                                          uint64
}

// NewConn returns a connection in CLOSED with the given endpoints. Call
// Connect for an active open; listeners create their own connections.
func NewConn(cfg *Config, local, remote netip.AddrPort, now time.Duration) *Conn {
	c := &Conn{cfg: cfg, local: local, remote: remote, state: Closed, created: now, stateSince: now, now: now}
	c.noDelay, c.cork, c.keepAlive = cfg.NoDelay, cfg.Cork, cfg.KeepAlive
	c.keepIdle, c.keepInterval, c.keepCount = cfg.KeepIdle, cfg.KeepInterval, cfg.KeepCount
	c.userTimeout = cfg.UserTimeout
	c.snd.limit = cfg.SendBuf
	c.rcv.limit = cfg.RecvBuf
	c.advMSS = cfg.advMSS()
	c.peerMSS = 536 // RFC 9293 §3.7.1: assume 536 without the option
	c.rcvMSS = 536
	c.sndMSS = min(c.peerMSS, c.advMSS)
	c.rtt.init(cfg.InitialRTO, cfg.MinRTO, cfg.MaxRTO)
	c.quickAcks = cfg.QuickAcks
	c.tsOff = cfg.tsOffset(local, remote)
	c.initRcvClamp()
	c.sb.dupThresh = cfg.Reordering // 0: defaultDupThresh
	c.rcvSpace = c.clampRcv(min(cfg.RecvBuf, 10*c.advMSS))
	return c
}

// Connect starts an active open (RFC 9293 §3.10.1): CLOSED -> SYN-SENT.
func (c *Conn) Connect(now time.Duration) error {
	if c.state != Closed || c.iss != 0 || c.err != nil {
		return ErrState
	}
	c.iss = ISN(&c.cfg.ISNKey, c.local, c.remote, now)
	c.initSend()
	c.offerWS = c.cfg.WindowScaling
	c.setState(now, SynSent)
	c.synPending = true
	return nil
}

// initSend sets the send variables from ISS.
func (c *Conn) initSend() {
	c.sndUna, c.sndNxt, c.sndMax = c.iss, c.iss, c.iss
	c.sndBufSeq = c.iss.Add(1)
	c.recover = c.iss
}

func (c *Conn) setState(now time.Duration, s State) {
	if c.state == s {
		return
	}
	c.timeIn[c.state] += now - c.stateSince
	c.stateSince = now
	c.state = s
	switch s {
	case Established:
		c.events |= EventConnected | EventWritable
	case Closed:
		c.events |= EventClosed | EventReadable | EventWritable
		c.stopTimers()
		c.release()
	case TimeWait:
		c.release()
	}
}

// release frees buffer memory nothing will use again: a connection in
// TIME-WAIT or CLOSED sends nothing more, and unread data stays readable.
func (c *Conn) release() {
	if c.snd.n == 0 || c.state == Closed {
		c.snd = sendBuf{limit: c.snd.limit}
	}
	if c.rcv.n == 0 {
		c.rcv = recvBuf{limit: c.rcv.limit}
		c.ooo = reassembly{}
	}
	c.txq.reset()
}

func (c *Conn) stopTimers() {
	c.rtoAt, c.delAckAt, c.persistAt, c.keepAt, c.twAt, c.finWait2At, c.paceAt = 0, 0, 0, 0, 0, 0, 0
	c.sb.rack.timerAt, c.tlpAt = 0, 0
	c.synPending, c.ackNow, c.retxNow = false, false, false
}

// fail moves to CLOSED with err (ErrConnReset, ErrTimeout, ...).
func (c *Conn) fail(now time.Duration, err error) {
	if c.err == nil {
		c.err = err
	}
	c.setState(now, Closed)
}

// synchronized reports the states after the handshake (RFC 9293 §3.5).
func (c *Conn) synchronized() bool {
	switch c.state {
	case Established, FinWait1, FinWait2, CloseWait, Closing, LastAck, TimeWait:
		return true
	}
	return false
}
