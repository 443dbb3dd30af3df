package tcp

import (
	"time"

	"github.com/tcpbox/tcpbox/stack/tcp/cc"
)

// Undoing a spurious window reduction with D-SACK (RFC 2883 §4.2, the
// detection of RFC 3708 §2): the sender counts the retransmissions of a
// recovery episode; each D-SACK reporting one of them as a duplicate
// shows it was unnecessary. When every retransmission has been reported
// so, no data was lost: the reduction is undone (cc.EventUndo), as
// Linux's undo_retrans does.

type undoState struct {
	active  bool // an episode's retransmissions are being tracked
	marker  Seq  // SND.UNA when the episode began: D-SACKs below it are older
	retrans int  // retransmitted segments not yet shown unnecessary
	any     bool // the episode retransmitted something
}

// startUndo begins tracking an episode (fast recovery or a timeout).
func (c *Conn) startUndo() {
	if !c.cfg.DSACK {
		return
	}
	c.sb.undo = undoState{active: true, marker: c.sndUna}
}

// onDSACK handles one D-SACK block.
func (c *Conn) onDSACK(now time.Duration, blk SACKBlock) {
	b := &c.sb
	b.dsackIn++
	if c.rackOn() {
		c.rackOnDSACK()
	} else if mss := c.sndMSS; mss > 0 && b.hasFack && blk.Start.LessThan(b.fack) {
		// Without RACK: the duplicate shows the segment was overtaken,
		// not lost; tolerate that much reordering (Linux's reordering
		// update from D-SACK).
		b.raiseThresh((b.fack.Sub(blk.Start) + mss - 1) / mss)
		b.reordSeen++
	}
	u := &b.undo
	if !c.cfg.DSACK || !u.active || blk.Start.LessThan(u.marker) {
		return
	}
	if mss := c.sndMSS; mss > 0 {
		u.retrans -= (blk.End.Sub(blk.Start) + mss - 1) / mss
	}
	if u.retrans > 0 || !u.any {
		return
	}
	// Every retransmission of the episode arrived as a duplicate.
	u.active = false
	c.algo.OnEvent(&c.ccs, cc.EventUndo, now)
	if c.inRecovery {
		c.inRecovery, c.ccs.InRecovery = false, false
		c.rackRecoveryDone()
	}
	b.caLoss = false
	c.stats.undos++
	c.traceEvent(now, cc.EventUndo)
}
