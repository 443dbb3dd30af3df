package tcp

import (
	"time"

	"github.com/tcpbox/tcpbox/stack/tcp/cc"
)

// txQueue is the retransmission queue's bookkeeping: one record per
// transmitted segment, in sequence order, from SND.UNA to SND.MAX. The
// bytes themselves stay in the send buffer. Each record carries the
// delivery-rate state of its last transmission (cc.TxRecord), and is where
// a SACK scoreboard (issue 4) will mark segments SACKed and lost.
//
// It is a ring that grows by doubling, so it allocates nothing once it has
// reached the connection's working size. It holds at most maxTxRecords;
// beyond that new data extends the last record (less precise rate samples,
// bounded memory).
type txQueue struct {
	q    []txSeg // its length is a power of two
	head int
	n    int
	hint int // offset (from head) where the last lookup ended

	// marked is set whenever a record gains a flag (sacked, lost,
	// rexmit) and cleared by a scan that finds none: while it is clear
	// and the records are contiguous (!gap), scan's totals follow from
	// the two ends of the queue instead of a walk over every record in
	// flight on every ACK.
	marked bool
	gap    bool // an appended record did not start where the last ended
	// Records that start at or above retxEnd (all of them when !hasRetx)
	// have been sent once, in sequence order, so their send times ascend
	// with their index: RACK's loss detection stops at the first of them
	// sent after the newest delivered segment.
	retxEnd Seq
	hasRetx bool
}

// mask turns an offset from head into an index of q.
func (t *txQueue) mask(i int) int { return i & (len(t.q) - 1) }

// noteRetx records a transmission, after its first, of a record ending
// at end: its send time is newer than its neighbours'.
func (t *txQueue) noteRetx(end Seq) {
	if !t.hasRetx || t.retxEnd.LessThan(end) {
		t.retxEnd, t.hasRetx = end, true
	}
	t.marked = true
}

// sentOnce reports whether s and every record after it have been sent
// exactly once (see retxEnd).
func (t *txQueue) sentOnce(s *txSeg) bool {
	return !t.hasRetx || t.retxEnd.LessEq(s.start)
}

type txSeg struct {
	start, end Seq
	rec        cc.TxRecord
	// The SACK scoreboard (RFC 6675 §3, see scoreboard.go).
	sacked bool // covered by a SACK block
	lost   bool // marked lost (RFC 6675 IsLost, RACK or a timeout)
	rexmit bool // retransmitted and not yet delivered
	retx   bool // ever retransmitted: its RTT is ambiguous (Karn, RFC 6298 §3)
}

const maxTxRecords = 1 << 14

func (t *txQueue) at(i int) *txSeg { return &t.q[t.mask(t.head+i)] }

// sent records a transmission of [start, end). New data appends a record;
// data sent before (a retransmission) refreshes the records it overlaps.
func (t *txQueue) sent(rs *cc.RateSampler, now time.Duration, start, end Seq, inflight int) {
	if t.n > 0 && start.LessThan(t.at(t.n-1).end) {
		t.resent(rs, now, start, end, inflight)
		if last := t.at(t.n - 1); last.end.LessThan(end) {
			last.end = end // a retransmission that also carries new bytes
			t.noteRetx(end)
		}
		return
	}
	if t.n > 0 {
		// New data goes out after the data before it, whatever clock
		// reading the caller took: the receive goroutine's Output runs
		// with its batch's time, which an application's Write on another
		// goroutine may have passed meanwhile. Send times then ascend
		// with sequence numbers among records sent once (RACK's early
		// stop relies on it), and RACK never judges a segment by a send
		// time earlier than its predecessor's.
		now = max(now, t.at(t.n-1).rec.SentTime)
	}
	if t.n == maxTxRecords {
		last := t.at(t.n - 1)
		last.end = end
		rs.OnSend(now, &last.rec, inflight)
		return
	}
	if t.n == len(t.q) {
		t.grow()
	}
	if t.n > 0 && t.at(t.n-1).end != start {
		t.gap = true
	}
	s := t.at(t.n)
	*s = txSeg{start: start, end: end}
	rs.OnSend(now, &s.rec, inflight)
	t.n++
}

func (t *txQueue) grow() {
	nq := make([]txSeg, max(8, 2*len(t.q)))
	for i := 0; i < t.n; i++ {
		nq[i] = *t.at(i)
	}
	t.q, t.head = nq, 0
}

func (t *txQueue) resent(rs *cc.RateSampler, now time.Duration, start, end Seq, inflight int) {
	i := t.hint
	if i >= t.n || start.LessThan(t.at(i).start) {
		i = 0
	}
	for i < t.n && t.at(i).end.LessEq(start) {
		i++
	}
	for ; i < t.n && t.at(i).start.LessThan(end); i++ {
		s := t.at(i)
		rs.OnSend(now, &s.rec, inflight)
		s.rexmit, s.retx = true, true
		t.noteRetx(s.end)
	}
	t.hint = max(i-1, 0)
}

// acked removes the records the cumulative ACK covers entirely,
// reporting each as delivered; one it covers in part waits for the rest.
func (t *txQueue) acked(rs *cc.RateSampler, now time.Duration, ack Seq) {
	for t.n > 0 {
		s := t.at(0)
		if ack.LessThan(s.end) {
			break
		}
		rs.OnDelivered(now, &s.rec, s.end.Sub(s.start))
		t.head = t.mask(t.head + 1)
		t.n--
		t.hint = max(t.hint-1, 0)
	}
	if t.n == 0 {
		t.head, t.hint = 0, 0
		t.gap, t.hasRetx = false, false
	} else if t.hasRetx && t.retxEnd.LessEq(t.at(0).start) {
		t.hasRetx = false
	}
}

// reset forgets everything (the connection closed).
func (t *txQueue) reset() { *t = txQueue{} }
