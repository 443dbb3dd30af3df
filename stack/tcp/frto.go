package tcp

import (
	"time"

	"github.com/tcpbox/tcpbox/stack/tcp/cc"
)

// F-RTO (RFC 5682 §4, the SACK-enhanced algorithm): detecting a spurious
// retransmission timeout. After the timeout's retransmission of the first
// segment, the first ACK that advances the window (but not past the data
// outstanding at the timeout) lets two new segments out instead of
// retransmissions; if the next ACK then acknowledges data that was never
// retransmitted, the original segments were only delayed: the timeout
// was spurious, the segments marked lost are unmarked and the window
// reduction is undone (cc.EventUndo), as Linux does (its undo of
// CA_Loss). Any other ACK continues the conventional timeout recovery.

type frtoState struct {
	step    int  // 0: inactive; 1: waiting for the first ACK; 2: for the second
	recover Seq  // SND.MAX at the timeout (RFC 5682 "recover")
	newData bool // step 2: new data goes before retransmissions
}

// frtoStart is called at a retransmission timeout on a SACK connection.
// Only the first timeout of an episode qualifies (a backed-off one means
// the retransmission itself was lost).
func (c *Conn) frtoStart() {
	c.frto = frtoState{}
	if c.cfg.FRTO && c.backoff == 1 {
		c.frto = frtoState{step: 1, recover: c.sndMax}
	}
}

// frtoOnAck runs F-RTO's steps 2 and 3 for one ACK. acked is the bytes
// the cumulative ACK advanced; orig reports whether it covered data that
// was never retransmitted.
func (c *Conn) frtoOnAck(now time.Duration, acked int, orig bool) {
	switch c.frto.step {
	case 1:
		// Step 2: an ACK that advances the window without covering all
		// of "recover" lets new data probe; anything else is a real loss.
		if acked > 0 && c.sndUna.LessThan(c.frto.recover) {
			c.frto.step, c.frto.newData = 2, true
			return
		}
	case 2:
		// Step 3: the ACK for data never retransmitted shows the
		// timeout was spurious (RFC 5682 §4 step 3b).
		if acked > 0 && orig {
			c.frtoUndo(now)
			return
		}
	default:
		return
	}
	c.frto = frtoState{}
}

// frtoUndo ends a spurious timeout's recovery.
func (c *Conn) frtoUndo(now time.Duration) {
	c.frto = frtoState{}
	for i := 0; i < c.txq.n; i++ {
		if s := c.txq.at(i); s.lost && !s.rexmit {
			s.lost = false
		}
	}
	c.sb.caLoss = false
	c.algo.OnEvent(&c.ccs, cc.EventUndo, now)
	c.stats.frtoSpurious++
	c.traceEvent(now, cc.EventUndo)
}
