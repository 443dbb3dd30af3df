package iperf3

import (
	"context"
	"encoding/binary"
	"net"
	"net/netip"
	"sort"
	"sync"
	"time"

	"github.com/tcpbox/tcpbox/services/frame"
	"github.com/tcpbox/tcpbox/services/svc"
)

// session is one iperf3 test, run on its control connection's goroutine
// (iperf_server_api.c's iperf_run_server, for one client).
type session struct {
	s        *Server
	ctrl     *svc.Conn
	cookie   string
	clientIP netip.Addr
	p        *Params
	opts     SockOpts

	tcpIn chan *svc.Conn // data streams handed over by Server.handle
	udpIn chan *stream   // UDP streams announced by the mux
	ended chan struct{}  // closed when the test is over; releases stream handlers

	streams    []*stream
	start, end time.Time
	cpu        cpuTimes
	congestion string

	stop    chan struct{} // closed to stop the workers
	workers sync.WaitGroup
	omit    *time.Timer
}

func newSession(s *Server, c *svc.Conn, cookie string) *session {
	ip, _ := netip.ParseAddrPort(c.RemoteAddr().String())
	return &session{s: s, ctrl: c, cookie: cookie, clientIP: ip.Addr().Unmap(),
		ended: make(chan struct{}), stop: make(chan struct{})}
}

// state sends one state byte (iperf_set_send_state).
func (ss *session) state(b int8) error {
	_, err := ss.ctrl.Write([]byte{byte(b)})
	return err
}

// serverError reports a failure to the client: SERVER_ERROR, then the
// iperf3 error number and errno as 4-byte big-endian integers
// (iperf_server_api.c).
func (ss *session) serverError(code int) {
	var b [9]byte
	b[0] = 0xfe // ServerError as a signed byte
	binary.BigEndian.PutUint32(b[1:], uint32(code))
	ss.ctrl.Write(b[:])
}

// addTCPStream hands a data connection to the test and holds it until the
// test ends (the accept loop closes it when this returns).
func (ss *session) addTCPStream(ctx context.Context, c *svc.Conn) {
	select {
	case ss.tcpIn <- c:
	default:
		// More streams than announced: refuse like iperf3 (ACCESS_DENIED).
		ss.s.Stats.Error(ReasonProtocol)
		c.Write([]byte{0xff}) // AccessDenied as a signed byte
		return
	}
	select {
	case <-ss.ended:
	case <-ctx.Done():
	}
}

// ctrlMsg is a state byte read from the control connection, or err.
type ctrlMsg struct {
	b   int8
	err error
}

// readCtrl reads state bytes until TEST_END, CLIENT_TERMINATE, an error
// or quit, then returns: after TEST_END the session itself reads the
// results. quit keeps a client that floods the control connection from
// blocking the reader on a full channel.
func (ss *session) readCtrl(out chan<- ctrlMsg, quit <-chan struct{}) {
	var b [1]byte
	for {
		var m ctrlMsg
		if _, err := ss.ctrl.Read(b[:]); err != nil {
			m.err = err
		} else {
			m.b = int8(b[0])
		}
		select {
		case out <- m:
		case <-quit:
			return
		}
		if m.err != nil || m.b == TestEnd || m.b == ClientTerminate {
			return
		}
	}
}

func (ss *session) run(ctx context.Context) {
	s := ss.s
	defer close(ss.ended)
	raw := ss.ctrl.Raw()
	setup := s.setupTimeout()
	raw.SetDeadline(time.Now().Add(setup))

	// Parameter exchange (iperf_exchange_parameters).
	if ss.state(ParamExchange) != nil {
		s.Stats.Error(ReasonCtrlClosed)
		return
	}
	b, err := frame.Read(ss.ctrl, nil, maxParamsJSON)
	if err != nil {
		s.Stats.Error(ReasonParams)
		ss.serverError(ieRecvParams)
		return
	}
	p, code, err := ParseParams(b)
	if err != nil {
		s.Stats.Error(ReasonParams)
		ss.serverError(code)
		return
	}
	if time.Duration(p.Time)*time.Second > s.maxDuration() {
		s.Stats.Error(ReasonDuration)
		ss.serverError(ieDuration) // 3.12 clients do not know IEMAXSERVERTESTDURATIONEXCEEDED (37)
		return
	}
	ss.p = p
	ss.opts = SockOpts{Window: min(p.Window, MaxWindow), MSS: p.MSS, NoDelay: p.NoDelay, Congestion: p.Congestion}
	total, toServer := p.Streams()
	ss.tcpIn = make(chan *svc.Conn, total)
	ss.udpIn = make(chan *stream, total)

	if p.UDP {
		if s.udp == nil {
			s.Stats.Error(ReasonParams)
			ss.serverError(ieProtocol)
			return
		}
		// UDP streams say nothing of their test: until this one has
		// its streams, no other test from its client IP is told to
		// create streams (see udpMux).
		if err := s.udp.expect(ctx, ss, total, setup); err != nil {
			s.Stats.Error(ReasonSetup)
			ss.serverError(ieStreamConnect)
			return
		}
		raw.SetDeadline(time.Now().Add(setup)) // the wait took from it
		defer s.udp.forget(ss)
	} else {
		// TCP data connections name their test by its cookie.
		s.register(ss)
	}
	defer s.unregister(ss)

	msgs := make(chan ctrlMsg, 8)
	readerDone, quit := make(chan struct{}), make(chan struct{})
	defer func() {
		// Stop everything this test started, then release its streams.
		ss.stopWorkers()
		close(quit)
		raw.SetReadDeadline(time.Now())
		<-readerDone
	}()
	if ss.state(CreateStreams) != nil {
		close(readerDone)
		s.Stats.Error(ReasonCtrlClosed)
		return
	}
	raw.SetDeadline(time.Time{})
	go func() { defer close(readerDone); ss.readCtrl(msgs, quit) }()

	// Stream setup: the first toServer streams carry data to us.
	timer := time.NewTimer(setup)
	defer timer.Stop()
	for len(ss.streams) < total {
		var st *stream
		select {
		case c := <-ss.tcpIn:
			st = &stream{conn: c, seq: acceptSeq(c)}
		case st = <-ss.udpIn:
			st.seq = uint64(len(ss.streams)) // the mux hands them over in order
		case m := <-msgs:
			ss.ctrlEnded(m)
			return
		case <-timer.C:
			s.Stats.Error(ReasonSetup)
			ss.serverError(ieStreamConnect)
			return
		case <-ctx.Done():
			ss.state(ServerTerminate)
			return
		}
		st.sess = ss
		ss.streams = append(ss.streams, st)
	}
	// In the client's order: iperf_add_stream numbers streams 1, 3, 4,
	// 5, ... and the first toServer carry data to us.
	sort.Slice(ss.streams, func(i, j int) bool { return ss.streams[i].seq < ss.streams[j].seq })
	for i, st := range ss.streams {
		st.id = 1
		if i > 0 {
			st.id = i + 2
		}
		st.sender = i >= toServer
		if st.conn != nil && !ss.tune(st) {
			return
		}
	}
	s.unregister(ss)

	// The test (iperf_server_api.c: TEST_START, then TEST_RUNNING).
	for _, st := range ss.streams {
		if st.conn != nil && s.TCPStats != nil {
			if ts, ok := s.TCPStats(st.conn); ok {
				st.retransStart = ts.Retransmits
				if ss.congestion == "" {
					ss.congestion = ts.Congestion
				}
			}
		}
	}
	if ss.state(TestStart) != nil || ss.state(TestRunning) != nil {
		s.Stats.Error(ReasonCtrlClosed)
		return
	}
	ss.cpu = readCPU()
	ss.start = time.Now()
	ss.startWorkers()

	limit := s.maxDuration()
	if p.Time > 0 {
		limit = min(limit, time.Duration(p.Time+p.Omit)*time.Second) + 10*time.Second
	}
	hard := time.NewTimer(limit)
	defer hard.Stop()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
wait:
	for {
		select {
		case m := <-msgs:
			if m.err != nil || m.b != TestEnd {
				ss.ctrlEnded(m)
				return
			}
			break wait
		case <-tick.C:
			if ss.overRate() {
				// Like iperf3's --server-bitrate-limit: the average
				// rate the client sends at is above the limit.
				s.Stats.Error(ReasonRate)
				ss.serverError(ieTotalRate)
				ss.awaitClose(msgs)
				return
			}
		case <-hard.C:
			s.Stats.Error(ReasonServerTerm)
			ss.state(ServerTerminate)
			return
		case <-ctx.Done():
			ss.state(ServerTerminate)
			return
		}
	}
	ss.stopWorkers()
	ss.end = time.Now()
	cpu := readCPU().since(ss.cpu, ss.end.Sub(ss.start))
	<-readerDone

	// Results exchange (iperf_exchange_results): the client's first, then ours.
	raw.SetDeadline(time.Now().Add(setup))
	if ss.state(ExchangeResults) != nil {
		s.Stats.Error(ReasonCtrlClosed)
		return
	}
	b, err = frame.Read(ss.ctrl, nil, maxResultsJSON)
	if err != nil {
		s.Stats.Error(ReasonResults)
		return
	}
	theirs, err := ParseResults(b)
	if err != nil {
		s.Stats.Error(ReasonResults)
		return
	}
	if err := writeJSON(ss.ctrl, ss.results(cpu, theirs)); err != nil {
		s.Stats.Error(ReasonCtrlClosed)
		return
	}
	if ss.state(DisplayResults) != nil {
		s.Stats.Error(ReasonCtrlClosed)
		return
	}
	var done [1]byte
	if _, err := ss.ctrl.Read(done[:]); err != nil || int8(done[0]) != IperfDone {
		s.Stats.Error(ReasonProtocol)
		return
	}
	s.Tests.Add(1)
}

// overRate reports whether the client's data to us averages above
// MaxBitrate (with 10% grace) since the test started.
func (ss *session) overRate() bool {
	if ss.s.MaxBitrate == 0 {
		return false
	}
	var in uint64
	for _, st := range ss.streams {
		if !st.sender {
			in += st.bytes.Load()
		}
	}
	// Half a second at least, so the first burst into empty buffers
	// is not taken for the rate.
	el := time.Since(ss.start).Seconds()
	return el >= 0.5 && float64(in)*8/el > float64(ss.s.MaxBitrate)*1.1
}

// awaitClose gives the client time to read an error sent mid-test and
// close the control connection before the data streams are closed under
// it: a client that sees its stream reset first reports that instead of
// the reason.
func (ss *session) awaitClose(msgs <-chan ctrlMsg) {
	t := time.NewTimer(2 * time.Second)
	defer t.Stop()
	for {
		select {
		case m := <-msgs:
			if m.err != nil || m.b == TestEnd || m.b == ClientTerminate {
				return
			}
		case <-t.C:
			return
		}
	}
}

// ctrlEnded counts why the control connection ended a test early.
func (ss *session) ctrlEnded(m ctrlMsg) {
	switch {
	case m.err != nil:
		ss.s.Stats.Error(ReasonCtrlClosed)
	case m.b == ClientTerminate:
		ss.s.Stats.Error(ReasonClientTerm)
	default:
		ss.s.Stats.Error(ReasonProtocol)
	}
}

// tune applies the test's socket options to a TCP data stream. A
// congestion algorithm that cannot be set fails the test, as in iperf3.
func (ss *session) tune(st *stream) bool {
	if ss.s.Tune == nil || ss.opts == (SockOpts{}) {
		return true
	}
	if err := ss.s.Tune(st.conn, ss.opts); err != nil {
		ss.s.Stats.Error(ReasonTune)
		if ss.opts.Congestion != "" {
			ss.serverError(ieSetCongestion)
			return false
		}
	}
	return true
}

var _ net.Conn = (*svc.Conn)(nil)
