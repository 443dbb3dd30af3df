package tcp

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/stack/tcp/cc"
)

// TestMain installs the scoreboard's self-checks: every fast-path scan
// and every early stop of RACK in this package's tests (the dialogues,
// the loss and recovery simulations) is compared with the walk over every
// record, and a difference panics.
func TestMain(m *testing.M) {
	checkScanFast = compareScanFast
	checkRackStop = compareRackStop
	os.Exit(m.Run())
}

func compareScanFast(c *Conn, markLost bool) {
	fast := c.sb
	th := c.sb.thresh()
	c.scanAll(markLost, th, (th-1)*c.sndMSS)
	if c.sb != fast {
		panic(fmt.Sprintf("tcp: scan's fast path: pipe %d sacked %d lost %d retrans %d, the walk: pipe %d sacked %d lost %d retrans %d",
			fast.pipe, fast.sacked, fast.lost, fast.retransOut, c.sb.pipe, c.sb.sacked, c.sb.lost, c.sb.retransOut))
	}
}

// compareRackStop: no record after the one where rackDetectLoss stopped
// may have a verdict.
func compareRackStop(c *Conn, i int) {
	r := &c.sb.rack
	for j := i + 1; j < c.txq.n; j++ {
		s := c.txq.at(j)
		if s.sacked || (s.lost && !s.rexmit) {
			continue
		}
		if sent := s.rec.SentTime; sent < r.xmitTs || (sent == r.xmitTs && s.end.LessThan(r.endSeq)) {
			panic(fmt.Sprintf("tcp: RACK stopped at record %d of %d, but record %d [%d, %d) sent at %v precedes the newest delivered (%v)", i, c.txq.n, j, s.start, s.end, sent, r.xmitTs))
		}
	}
}

// TestSentTimesAscend: new data recorded with an older clock reading than
// the record before it (the receive goroutine's batch time, passed by an
// application's Write meanwhile) gets its predecessor's send time, so
// send times ascend among records sent once, as RACK's early stop
// assumes; a retransmission keeps its own, newer time.
func TestSentTimesAscend(t *testing.T) {
	var q txQueue
	var rs cc.RateSampler
	const ms = time.Millisecond
	q.sent(&rs, 10*ms, 1000, 2000, 0)
	q.sent(&rs, 12*ms, 2000, 3000, 1000)
	q.sent(&rs, 11*ms, 3000, 4000, 2000) // a stale clock reading
	q.sent(&rs, 13*ms, 4000, 5000, 3000)
	want := []time.Duration{10 * ms, 12 * ms, 12 * ms, 13 * ms}
	for i, w := range want {
		if got := q.at(i).rec.SentTime; got != w {
			t.Errorf("record %d sent at %v, want %v", i, got, w)
		}
	}
	q.sent(&rs, 20*ms, 2000, 3000, 4000) // retransmission of the second
	if got := q.at(1).rec.SentTime; got != 20*ms {
		t.Errorf("retransmitted record sent at %v, want 20ms", got)
	}
	if !q.sentOnce(q.at(2)) || q.sentOnce(q.at(1)) {
		t.Errorf("sentOnce: record 1 %v, record 2 %v; want false, true", q.sentOnce(q.at(1)), q.sentOnce(q.at(2)))
	}
}
