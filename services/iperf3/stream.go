package iperf3

import (
	"crypto/rand"
	"encoding/binary"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tcpbox/tcpbox/services/svc"
)

// stream is one data stream of a test: a TCP connection or a UDP peer.
type stream struct {
	id     int
	seq    uint64 // accept order
	sender bool   // the server sends on it
	sess   *session
	conn   *svc.Conn // TCP
	peer   net.Addr  // UDP

	bytes   atomic.Uint64
	running atomic.Bool // counting (TEST_RUNNING)

	mu             sync.Mutex
	bytesOmit      uint64
	packetCount    uint64 // receiver: highest sequence number seen; sender: datagrams sent
	cntError       int64  // receiver: datagrams lost
	outOfOrder     int64
	omittedPackets uint64
	omittedErrors  int64
	jitter         float64 // seconds (RFC 1889 §6.3.1 estimator)
	prevTransit    float64
	seenFirst      bool
	retransStart   uint64
}

// startWorkers starts one goroutine per TCP stream and per sending UDP
// stream; UDP receiving happens in the mux. stopWorkers ends them.
func (ss *session) startWorkers() {
	senders := 0
	for _, st := range ss.streams {
		if st.sender {
			senders++
		}
	}
	rate := float64(ss.p.Bandwidth) // per stream, like iperf3's -b
	if m := ss.s.MaxBitrate; m > 0 && senders > 0 {
		per := float64(m) / float64(senders)
		if rate == 0 || rate > per {
			rate = per
		}
	}
	if ss.p.Omit > 0 {
		ss.omit = time.AfterFunc(time.Duration(ss.p.Omit)*time.Second, ss.omitted)
	}
	for _, st := range ss.streams {
		st.running.Store(true)
		switch {
		case st.conn != nil && st.sender:
			ss.workers.Add(1)
			go func() { defer ss.workers.Done(); st.sendTCP(rate, ss.stop) }()
		case st.conn != nil:
			ss.workers.Add(1)
			go func() { defer ss.workers.Done(); st.recvTCP() }()
		case st.sender:
			ss.workers.Add(1)
			go func() { defer ss.workers.Done(); st.sendUDP(rate, ss.stop) }()
		}
	}
}

// stopWorkers stops counting, unblocks every worker and waits for them.
// It may be called more than once.
func (ss *session) stopWorkers() {
	select {
	case <-ss.stop:
	default:
		close(ss.stop)
	}
	if ss.omit != nil {
		ss.omit.Stop()
	}
	now := time.Now()
	for _, st := range ss.streams {
		st.running.Store(false)
		if st.conn != nil {
			st.conn.Raw().SetDeadline(now)
		}
	}
	ss.workers.Wait()
	// iperf_server_api.c closes the data sockets at TEST_END: a receiving
	// client drains with blocking whole-block reads (Nread) and only the
	// close ends a block we cut short.
	for _, st := range ss.streams {
		if st.conn != nil {
			st.conn.Close()
		}
	}
}

// omitted ends the omit period (-O): what came before is not counted.
func (ss *session) omitted() {
	for _, st := range ss.streams {
		st.mu.Lock()
		st.bytesOmit = st.bytes.Load()
		st.omittedPackets = st.packetCount
		st.omittedErrors = st.cntError
		st.mu.Unlock()
	}
}

func (st *stream) recvTCP() {
	buf := make([]byte, 128<<10)
	for {
		n, err := st.conn.Read(buf)
		if n > 0 {
			st.bytes.Add(uint64(n))
		}
		if err != nil {
			return
		}
	}
}

// payload returns an incompressible block of n bytes.
func payload(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func (st *stream) sendTCP(rate float64, stop <-chan struct{}) {
	buf := payload(st.sess.p.Len)
	pc := newPacer(rate)
	for pc.wait(len(buf), stop) {
		n, err := st.conn.Write(buf)
		if n > 0 {
			st.bytes.Add(uint64(n))
		}
		if err != nil {
			return
		}
	}
}

// UDP datagram header (iperf_udp.c): sec and usec of the send time, then
// the sequence number, 32 bits or with udp_counters_64bit 64 bits, all big
// endian. Sequence numbers start at 1.
func (st *stream) sendUDP(rate float64, stop <-chan struct{}) {
	buf := payload(st.sess.p.Len)
	pc := newPacer(rate)
	mux := st.sess.s.udp
	for pc.wait(len(buf), stop) {
		now := time.Now()
		binary.BigEndian.PutUint32(buf[0:], uint32(now.Unix()))
		binary.BigEndian.PutUint32(buf[4:], uint32(now.Nanosecond()/1000))
		st.mu.Lock()
		st.packetCount++
		seq := st.packetCount
		st.mu.Unlock()
		if st.sess.p.UDPCounters64Bit {
			binary.BigEndian.PutUint64(buf[8:], seq)
		} else {
			binary.BigEndian.PutUint32(buf[8:], uint32(seq))
		}
		n, err := mux.pc.WriteTo(buf, st.peer)
		if err != nil {
			// A full socket buffer (ENOBUFS) or an ICMP error: iperf3
			// carries on too; the receiver counts the loss.
			st.sess.s.Stats.Error("udp_send")
			continue
		}
		st.bytes.Add(uint64(n))
	}
}

// receive accounts one datagram of a receiving UDP stream (iperf_udp_recv).
func (st *stream) receive(p []byte, now time.Time) {
	if !st.running.Load() || st.sender {
		return
	}
	hdr := 12
	if st.sess.p.UDPCounters64Bit {
		hdr = 16
	}
	if len(p) < hdr {
		st.sess.s.Stats.Error("udp_short")
		return
	}
	sent := time.Unix(int64(binary.BigEndian.Uint32(p[0:])), int64(binary.BigEndian.Uint32(p[4:]))*1000)
	var seq uint64
	if hdr == 16 {
		seq = binary.BigEndian.Uint64(p[8:])
	} else {
		seq = uint64(binary.BigEndian.Uint32(p[8:]))
	}
	st.bytes.Add(uint64(len(p)))
	st.mu.Lock()
	defer st.mu.Unlock()
	if seq >= st.packetCount+1 {
		// Forward; a gap counts as loss until the missing ones arrive.
		if gap := seq - 1 - st.packetCount; gap > 0 {
			st.cntError += int64(min(gap, 1<<40))
		}
		st.packetCount = seq
	} else {
		// Backward: out of order, and no longer lost.
		st.outOfOrder++
		if st.cntError > 0 {
			st.cntError--
		}
	}
	// Jitter as RFC 1889 §6.3.1 (A.8): J += (|D(i-1,i)| - J)/16.
	transit := now.Sub(sent).Seconds()
	if !st.seenFirst {
		st.seenFirst = true
		st.prevTransit = transit
	}
	d := transit - st.prevTransit
	if d < 0 {
		d = -d
	}
	st.prevTransit = transit
	st.jitter += (d - st.jitter) / 16
}

// pacer holds a sender to a bitrate; 0 is unlimited.
type pacer struct {
	bps   float64
	start time.Time
	bits  float64
	t     *time.Timer
}

func newPacer(bps float64) *pacer { return &pacer{bps: bps, start: time.Now()} }

// wait accounts n bytes about to be sent and sleeps until they are due;
// false when stop is closed.
func (p *pacer) wait(n int, stop <-chan struct{}) bool {
	select {
	case <-stop:
		return false
	default:
	}
	if p.bps <= 0 {
		return true
	}
	due := p.start.Add(time.Duration(p.bits / p.bps * float64(time.Second)))
	p.bits += float64(n) * 8
	d := time.Until(due)
	if d < time.Millisecond {
		return true
	}
	if p.t == nil {
		p.t = time.NewTimer(d)
	} else {
		p.t.Reset(d)
	}
	select {
	case <-p.t.C:
		return true
	case <-stop:
		p.t.Stop()
		return false
	}
}
