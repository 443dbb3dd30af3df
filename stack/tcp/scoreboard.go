package tcp

import "time"

// The SACK scoreboard (RFC 6675 §3): which of the segments between
// SND.UNA and SND.MAX the receiver holds (SACKed), which the sender
// believes lost, and which it has retransmitted. The per-segment marks
// live in the retransmission queue's records (txSeg); this file keeps the
// totals and reads the SACK option of each ACK (RFC 2018 §4, D-SACK RFC
// 2883 §4).
//
// It is not a full reneging detector: a SACKed segment stays SACKed until
// the cumulative ACK covers it (RFC 2018 §8 allows the receiver to renege;
// the retransmission timer still recovers then, as in Linux).

// maxReordering caps the reordering tolerance in segments (Linux
// tcp_max_reordering); Config.Reordering may not exceed it.
const maxReordering = 300

// defaultDupThresh is RFC 6675's DupThresh (and RFC 5681 §3.2's three
// duplicate ACKs); Config.Reordering chooses a connection's initial one,
// as Linux's tcp_reordering does.
const defaultDupThresh = 3

type scoreboard struct {
	// Totals recomputed by scan after each ACK and kept current as
	// segments go out.
	pipe       int // RFC 6675 §4 "pipe": bytes estimated in the network
	sacked     int // bytes SACKed above SND.UNA
	lost       int // bytes marked lost and not yet retransmitted
	retransOut int // bytes retransmitted and not yet delivered
	sackedSegs int
	lostSegs   int
	retransSeg int
	newlyLost  int // bytes marked lost by the ACK or timer being processed

	// fack is one past the highest sequence number delivered (SACKed or
	// cumulatively acknowledged), for reordering detection.
	fack    Seq
	hasFack bool

	dupThresh int // reordering tolerance in segments; 0 means defaultDupThresh
	rescueRxt Seq // RFC 6675 RescueRxt, as an end (rescue.go)
	caLoss    bool

	dsackIn   uint64 // D-SACK blocks received (tcp_info dsack_dups)
	reordSeen uint64 // reordering events seen (tcp_info reord_seen)

	undo undoState
	rack rackState
	prr  prrState
}

func (b *scoreboard) thresh() int {
	if b.dupThresh == 0 {
		return defaultDupThresh
	}
	return b.dupThresh
}

// raiseThresh widens the reordering tolerance to dist segments (Linux
// tcp_check_sack_reordering), within maxReordering.
func (b *scoreboard) raiseThresh(dist int) {
	if dist > b.thresh() {
		b.dupThresh = min(dist, maxReordering)
	}
}

// inflight is the bytes the sender counts against the congestion
// window: the RFC 6675 pipe when SACK is in use, else everything between
// SND.UNA and SND.NXT.
func (c *Conn) inflight() int {
	if c.sackOK {
		return c.sb.pipe
	}
	return c.flight()
}

// isDSACK reports whether the first SACK block reports a duplicate
// (RFC 2883 §4): it lies below the cumulative ACK, or inside the second
// block.
func isDSACK(o *Options, ack Seq) bool {
	if o.NumSACK < 1 {
		return false
	}
	b := o.SACK[0]
	if b.End.LessEq(ack) {
		return true
	}
	if o.NumSACK > 1 {
		s := o.SACK[1]
		return s.Start.LessEq(b.Start) && b.End.LessEq(s.End)
	}
	return false
}

// sackInput marks the segments the ACK's SACK blocks cover and returns
// the bytes newly SACKed. A D-SACK block goes to onDSACK. Blocks outside
// SND.UNA..SND.MAX, empty or inverted, are ignored (RFC 2018 §4 leaves
// their meaning undefined; a peer cannot make us act on them).
func (c *Conn) sackInput(now time.Duration, seg *Segment) (newly int) {
	o := &seg.Options
	n := min(o.NumSACK, len(o.SACK))
	for i := 0; i < n; i++ {
		blk := o.SACK[i]
		if !blk.Start.LessThan(blk.End) || blk.End.Sub(blk.Start) > 1<<30 {
			c.stats.drops++
			continue
		}
		if i == 0 && isDSACK(o, seg.Ack) {
			c.onDSACK(now, blk)
			continue
		}
		start, end := MaxSeq(blk.Start, seg.Ack), MinSeq(blk.End, c.sndMax)
		if !start.LessThan(end) {
			continue
		}
		newly += c.markSacked(now, start, end)
	}
	return newly
}

// markSacked marks the records [start, end) covers entirely.
func (c *Conn) markSacked(now time.Duration, start, end Seq) int {
	newly := 0
	q := &c.txq
	for i := 0; i < q.n; i++ {
		s := q.at(i)
		if s.end.LessEq(start) {
			continue
		}
		if end.LessThan(s.end) {
			break
		}
		if s.sacked || s.start.LessThan(start) {
			continue
		}
		s.sacked, q.marked = true, true
		l := s.end.Sub(s.start)
		newly += l
		c.delivered(now, s)
		c.rs.OnDelivered(now, &s.rec, l)
	}
	return newly
}

// delivered notes a segment that reached the receiver (SACKed, or
// cumulatively acknowledged without having been SACKed) for RACK and for
// reordering detection: a segment never retransmitted that arrives below
// the highest one delivered was overtaken (RFC 8985 §6.2 step 3).
func (c *Conn) delivered(now time.Duration, s *txSeg) {
	b := &c.sb
	c.rackUpdate(now, s)
	if !b.hasFack || b.fack.LessThan(s.end) {
		b.fack, b.hasFack = s.end, true
		return
	}
	if !s.rexmit && s.end.LessThan(b.fack) {
		if !b.rack.reordSeen {
			b.reordSeen++
		}
		b.rack.reordSeen = true
		if mss := c.sndMSS; mss > 0 {
			b.raiseThresh((b.fack.Sub(s.start) + mss - 1) / mss)
		}
	}
}

// scan recomputes the totals from the records and, with markLost,
// applies RFC 6675's IsLost (§4): a segment not SACKed is lost when
// DupThresh segments above it, or more than (DupThresh-1)*SMSS bytes,
// are SACKed.
func (c *Conn) scan(markLost bool) {
	b := &c.sb
	th := b.thresh()
	limit := (th - 1) * c.sndMSS
	b.pipe, b.sacked, b.lost, b.retransOut = 0, 0, 0, 0
	b.sackedSegs, b.lostSegs, b.retransSeg = 0, 0, 0
	q := &c.txq
	if !q.marked && !q.gap {
		// No record is SACKed, lost or retransmitted, so none can be
		// found lost (nothing above it is SACKed) and every byte from
		// SND.UNA to the last record's end is in the pipe.
		if q.n > 0 {
			b.pipe = max(q.at(q.n-1).end.Sub(MaxSeq(q.at(0).start, c.sndUna)), 0)
		}
		if checkScanFast != nil {
			checkScanFast(c, markLost)
		}
		return
	}
	c.scanAll(markLost, th, limit)
	if b.sackedSegs == 0 && b.lostSegs == 0 && b.retransSeg == 0 {
		q.marked = false
	}
}

// Self-checks the package's tests install (scancheck_test.go); nil in
// the product. checkScanFast compares scan's fast path with scanAll,
// checkRackStop RACK's early stop with the records after it.
var (
	checkScanFast func(c *Conn, markLost bool)
	checkRackStop func(c *Conn, stoppedAt int)
)

// scanAll is scan's walk over every record.
func (c *Conn) scanAll(markLost bool, th, limit int) {
	b := &c.sb
	b.pipe, b.sacked, b.lost, b.retransOut = 0, 0, 0, 0
	b.sackedSegs, b.lostSegs, b.retransSeg = 0, 0, 0
	segsAbove, bytesAbove := 0, 0
	for i := c.txq.n - 1; i >= 0; i-- {
		s := c.txq.at(i)
		l := s.end.Sub(MaxSeq(s.start, c.sndUna))
		if l <= 0 {
			continue
		}
		if s.sacked {
			segsAbove++
			bytesAbove += l
			b.sacked += l
			b.sackedSegs++
			continue
		}
		if markLost && !s.lost && !s.rexmit && (segsAbove >= th || bytesAbove > limit) {
			s.lost = true
			b.newlyLost += l
		}
		if !s.lost {
			b.pipe += l // RFC 6675 §4 SetPipe (a)
		} else if !s.rexmit {
			b.lost += l
			b.lostSegs++
		}
		if s.rexmit {
			b.pipe += l // SetPipe (b)
			b.retransOut += l
			b.retransSeg++
		}
	}
}
