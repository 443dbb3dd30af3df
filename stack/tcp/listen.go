package tcp

import (
	"net/netip"
	"time"
)

// ListenerStats are a listener's counters.
type ListenerStats struct {
	Syns           uint64 // SYNs received
	SynQueueFull   uint64 // SYNs dropped because the SYN queue was full and cookies were off
	AcceptFull     uint64 // handshakes dropped because the accept queue was full
	CookiesSent    uint64
	CookiesValid   uint64
	CookiesInvalid uint64
	Resets         uint64 // RSTs sent for segments that matched nothing
	SynAckTimeouts uint64 // SYN-RECEIVED entries dropped after SynAckRetries
	Established    uint64 // connections handed to the glue
}

// Listener is a passive open (RFC 9293 §3.10.1, LISTEN): the SYN queue of
// half-open connections in SYN-RECEIVED, bounded by the backlog, SYN
// cookies (RFC 4987 §3.6) when that queue overflows or always, and a count
// of completed connections not yet accepted, also bounded by the backlog.
// The glue owns the accept queue itself and calls Accepted as the
// application takes connections. Not safe for concurrent use.
type Listener struct {
	cfg     *Config
	local   netip.AddrPort
	backlog int
	key     [16]byte
	syn     map[netip.AddrPort]*Conn
	pending int // connections returned by Input and not yet Accepted
	timers  timerHeap
	stats   ListenerStats

	// One pending ISS for a 4-tuple reopened from TIME-WAIT (SetNextISN).
	reuseFor netip.AddrPort
	reuseISN Seq
	reuseOK  bool

	emitTo   func(netip.AddrPort, *Segment)
	emitAddr netip.AddrPort
	emitOne  func(*Segment)
	out      Segment
}

// NewListener returns a listener on local. key is the secret for ISNs
// and SYN cookies; the stack draws it at random.
func NewListener(cfg *Config, local netip.AddrPort, backlog int, key [16]byte) *Listener {
	if backlog < 1 {
		backlog = 1
	}
	l := &Listener{cfg: cfg, local: local, backlog: backlog, key: key, syn: make(map[netip.AddrPort]*Conn)}
	l.emitOne = func(s *Segment) { l.emitTo(l.emitAddr, s) }
	return l
}

// Stats returns the listener's counters.
func (l *Listener) Stats() ListenerStats { return l.stats }

// SynQueueLen is the number of connections in SYN-RECEIVED.
func (l *Listener) SynQueueLen() int { return len(l.syn) }

// SetNextISN makes the next SYN from remote that creates a SYN-RECEIVED
// entry use iss (see Conn.ReuseISN); a SYN answered with a cookie ignores
// it, as Linux does. One pending value is kept.
func (l *Listener) SetNextISN(remote netip.AddrPort, iss Seq) {
	l.reuseFor, l.reuseISN, l.reuseOK = remote, iss, true
}

// Accepted tells the listener the application took one connection from
// the glue's accept queue, freeing a place in the backlog.
func (l *Listener) Accepted() {
	if l.pending > 0 {
		l.pending--
	}
}

// Input handles a segment from remote for this listener. Replies go to
// emit at once. When the segment completes a handshake (or returns a
// valid SYN cookie) Input returns the new connection, ESTABLISHED (or
// further along if the segment carried a FIN); the glue adds it to its
// demultiplexing table and its accept queue.
func (l *Listener) Input(now time.Duration, remote netip.AddrPort, seg *Segment, emit func(*Segment)) *Conn {
	if c := l.syn[remote]; c != nil {
		if seg.Flags&(SYN|RST) == 0 && seg.Flags&ACK != 0 && l.pending >= l.backlog {
			// Accept queue full: drop the completing ACK and let the
			// SYN-ACK be retransmitted (Linux's behaviour).
			l.stats.AcceptFull++
			return nil
		}
		c.Input(now, seg)
		c.Output(now, emit)
		switch {
		case c.state == Closed:
			delete(l.syn, remote)
		case c.synchronized():
			delete(l.syn, remote)
			l.pending++
			l.stats.Established++
			return c
		default:
			l.schedule(remote, c)
		}
		return nil
	}
	f := seg.Flags
	switch {
	case f&RST != 0:
		return nil // RFC 9293 §3.10.7.2: ignore
	case f&ACK != 0:
		if f&SYN == 0 && l.cfg.SynCookies != SynCookiesOff {
			if c, taken := l.cookieAck(now, remote, seg, emit); taken {
				return c
			}
		}
		// RFC 9293 §3.10.7.2: an ACK in LISTEN gets <SEQ=SEG.ACK><CTL=RST>.
		if r, ok := ResetFor(seg); ok {
			l.stats.Resets++
			l.out = r
			emit(&l.out)
		}
		return nil
	case f&SYN == 0:
		return nil
	}
	l.stats.Syns++
	if l.pending >= l.backlog {
		l.stats.AcceptFull++
		return nil
	}
	full := len(l.syn) >= l.backlog
	if l.cfg.SynCookies == SynCookiesAlways || full && l.cfg.SynCookies == SynCookiesOnOverflow {
		l.cookieSynAck(now, remote, seg, emit)
		return nil
	}
	if full {
		l.stats.SynQueueFull++
		return nil
	}
	c := l.newPassive(now, remote, seg)
	l.syn[remote] = c
	c.Output(now, emit)
	l.schedule(remote, c)
	return nil
}

// newPassive creates a SYN-RECEIVED connection for a SYN (RFC 9293
// §3.10.7.2).
func (l *Listener) newPassive(now time.Duration, remote netip.AddrPort, seg *Segment) *Conn {
	c := NewConn(l.cfg, l.local, remote, now)
	c.passive = true
	c.state = Listen
	c.iss = ISN(&l.key, l.local, remote, now)
	if l.reuseOK && l.reuseFor == remote {
		c.iss, l.reuseOK = l.reuseISN, false
	}
	c.initSend()
	c.irs, c.rcvNxt = seg.Seq, seg.Seq.Add(1)
	c.rcvAdvEdge = c.rcvNxt // until the SYN,ACK advertises a window
	c.offerWS = l.cfg.WindowScaling
	c.negotiate(now, seg)
	c.sndWnd = int(seg.Window) // RFC 7323 §2.2: a SYN's window is not scaled
	c.maxSndWnd = c.sndWnd
	c.sndWl1, c.sndWl2 = seg.Seq, c.iss
	c.setState(now, SynReceived)
	c.synPending = true
	c.lastRecvAt = now
	return c
}

// Output retransmits SYN-ACKs that are due and drops half-open
// connections that ran out of retries.
func (l *Listener) Output(now time.Duration, emit func(remote netip.AddrPort, seg *Segment)) {
	l.emitTo = emit
	for len(l.timers) > 0 && l.timers[0].at <= now {
		e := l.timers.pop()
		c := l.syn[e.remote]
		if c == nil || c.NextDeadline() != e.at {
			continue // stale
		}
		l.emitAddr = e.remote
		c.Output(now, l.emitOne)
		if c.state == Closed {
			delete(l.syn, e.remote)
			l.stats.SynAckTimeouts++
			continue
		}
		l.schedule(e.remote, c)
	}
	l.emitTo = nil
}

// NextDeadline is when Output has work, or 0.
func (l *Listener) NextDeadline() time.Duration {
	for len(l.timers) > 0 {
		e := l.timers[0]
		if c := l.syn[e.remote]; c != nil && c.NextDeadline() == e.at {
			return e.at
		}
		l.timers.pop() // stale
	}
	return 0
}

// Close resets every half-open connection (the listening socket is going
// away) and forgets them.
func (l *Listener) Close(emit func(remote netip.AddrPort, seg *Segment)) {
	l.emitTo = emit
	for r, c := range l.syn {
		l.emitAddr = r
		c.Abort()
		c.Output(c.now, l.emitOne)
		delete(l.syn, r)
	}
	l.emitTo = nil
	l.timers = l.timers[:0]
}

// cookieSynAck answers a SYN statelessly (RFC 4987 §3.6).
func (l *Listener) cookieSynAck(now time.Duration, remote netip.AddrPort, seg *Segment, emit func(*Segment)) {
	l.stats.CookiesSent++
	o := &seg.Options
	s := &l.out
	*s = Segment{SrcPort: l.local.Port(), DstPort: seg.SrcPort, Flags: SYN | ACK, Options: NoOptions}
	s.Seq = makeCookie(&l.key, l.local, remote, seg.Seq, o.MSS, now)
	s.Ack = seg.Seq.Add(1)
	s.Window = uint16(min(l.cfg.initWindow(), 65535))
	s.Options.MSS = uint16(l.cfg.advMSS())
	if l.cfg.Timestamps && o.HasTS {
		ws := int8(-1)
		if l.cfg.WindowScaling && o.WScale >= 0 {
			ws = min(o.WScale, 14)
			s.Options.WScale = int8(l.cfg.rcvShift())
		}
		sack := l.cfg.SACK && o.SACKPermitted
		s.Options.SACKPermitted = sack
		off := l.cfg.tsOffset(l.local, remote)
		s.Options.HasTS = true
		s.Options.TSVal = cookieTSVal(uint32(now/time.Millisecond)+off, ws, sack)
		s.Options.TSEcr = o.TSVal
	}
	emit(s)
}

// cookieAck rebuilds a connection from an ACK returning a valid cookie.
// taken reports that the ACK was the listener's to handle: a connection
// (c), or a valid cookie the full accept queue has no room for, dropped
// without a reply as an uncookied handshake's completing ACK is (Linux
// drops both); the peer's next segment brings the cookie again. false:
// not a valid cookie, which the caller answers with a RST.
func (l *Listener) cookieAck(now time.Duration, remote netip.AddrPort, seg *Segment, emit func(*Segment)) (c *Conn, taken bool) {
	iss := seg.Ack.Add(-1)
	irs := seg.Seq.Add(-1)
	mss, ok := checkCookie(&l.key, l.local, remote, irs, iss, now)
	if !ok {
		l.stats.CookiesInvalid++
		return nil, false
	}
	o := &seg.Options
	wscale, sack := int8(-1), false
	tsOK := l.cfg.Timestamps && o.HasTS && o.TSEcr != 0
	if tsOK {
		if wscale, sack, ok = cookieTSOptions(o.TSEcr); !ok {
			l.stats.CookiesInvalid++
			return nil, false
		}
	}
	if l.pending >= l.backlog {
		l.stats.AcceptFull++
		return nil, true
	}
	l.stats.CookiesValid++
	c = NewConn(l.cfg, l.local, remote, now)
	c.passive = true
	c.state = Listen
	c.iss = iss
	c.initSend()
	c.sndUna, c.sndNxt, c.sndMax = iss.Add(1), iss.Add(1), iss.Add(1)
	c.irs, c.rcvNxt = irs, seg.Seq
	c.peerMSS = int(mss)
	c.offerWS = wscale >= 0
	c.wsOK = c.offerWS
	if c.wsOK {
		c.sndShift, c.rcvShift = uint8(wscale), l.cfg.rcvShift()
	}
	c.sackOK = sack && l.cfg.SACK
	c.tsOK = tsOK
	if tsOK {
		c.tsRecent, c.tsRecentAt = o.TSVal, now
	}
	c.setMSS()
	c.rcvAdvEdge = c.rcvNxt.Add(min(l.cfg.initWindow(), 65535))
	c.sndWnd = int(seg.Window) << c.sndShift
	c.maxSndWnd = c.sndWnd
	c.sndWl1, c.sndWl2 = seg.Seq, seg.Ack
	c.established(now)
	c.lastRecvAt = now
	c.stats.segsIn++
	if len(seg.Payload) > 0 || seg.Flags&FIN != 0 {
		c.stats.dataSegsIn++
		c.text(now, seg.Seq, seg.Payload, seg.Flags&FIN != 0, o, nil)
	}
	c.Output(now, emit)
	l.pending++
	l.stats.Established++
	return c, true
}
