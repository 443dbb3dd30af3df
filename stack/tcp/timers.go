package tcp

import (
	"time"

	"github.com/tcpbox/tcpbox/stack/tcp/cc"
)

// NextDeadline is the earliest time at which Output has timer work, or 0
// when no timer is armed.
func (c *Conn) NextDeadline() time.Duration {
	var d time.Duration
	rto, rack, tlp := c.lossDeadline(c.rtoAt), c.lossDeadline(c.sb.rack.timerAt), c.lossDeadline(c.tlpAt)
	for _, t := range [...]time.Duration{rto, c.persistAt, c.keepAt, c.delAckAt, c.twAt, c.finWait2At, c.paceAt, c.userDeadline(), rack, tlp} {
		if t != 0 && (d == 0 || t < d) {
			d = t
		}
	}
	return d
}

func (c *Conn) userDeadline() time.Duration {
	if c.userTimeout > 0 && c.unackedAt != 0 && c.synchronized() {
		return c.unackedAt + c.userTimeout
	}
	return 0
}

// timers runs every timer that has expired by now.
func (c *Conn) timers(now time.Duration) {
	if c.twAt != 0 && now >= c.twAt {
		c.setState(now, Closed) // RFC 9293 §3.10.8: the time-wait timeout
		return
	}
	if c.finWait2At != 0 && now >= c.finWait2At {
		c.setState(now, Closed) // an orphan waited long enough for the peer's FIN
		return
	}
	if d := c.userDeadline(); d != 0 && now >= d {
		c.fail(now, ErrTimeout) // RFC 9293 §3.8.3 (user timeout), RFC 5482
		return
	}
	if c.rtoAt != 0 && now >= c.lossDeadline(c.rtoAt) {
		c.onRTO(now)
		if c.state == Closed {
			return
		}
	}
	if c.sb.rack.timerAt != 0 && now >= c.lossDeadline(c.sb.rack.timerAt) {
		c.onReorderTimer(now) // RFC 8985 §6.3
	}
	if c.tlpAt != 0 && now >= c.lossDeadline(c.tlpAt) {
		c.onTLP(now) // RFC 8985 §7.3
	}
	if c.persistAt != 0 && now >= c.persistAt {
		c.onPersist(now)
	}
	if c.keepAt != 0 && now >= c.keepAt {
		c.onKeepalive(now)
		if c.state == Closed {
			return
		}
	}
	if c.paceAt != 0 && now >= c.paceAt {
		c.paceAt = 0 // Output sends what the pacer held
	}
	if c.delAckAt != 0 && now >= c.delAckAt {
		c.delAckAt = 0
		c.ackNow = true
	}
}

// onRTO handles the retransmission timer (RFC 6298 §5.4-5.7): back off,
// collapse the window (RFC 5681 §3.1) and go back to SND.UNA.
func (c *Conn) onRTO(now time.Duration) {
	c.rtoAt = 0
	switch c.state {
	case SynSent, SynReceived:
		limit := c.cfg.SynRetries
		if c.state == SynReceived {
			limit = c.cfg.SynAckRetries
		}
		if c.retries >= limit {
			c.fail(now, ErrTimeout)
			return
		}
		c.retries++
		c.backoff++
		c.synPending = true
		return
	}
	if c.sndUna == c.sndMax {
		return
	}
	if c.retries >= c.cfg.DataRetries {
		c.fail(now, ErrTimeout)
		return
	}
	c.retries++
	c.backoff++
	c.stats.rtoRetrans++
	if c.algo != nil {
		c.ccs.InFlight = c.flightSize()
		c.algo.OnEvent(&c.ccs, cc.EventRTO, now)
	}
	c.tlpAt = 0
	if c.sackOK {
		c.rtoSACK(now)
		return
	}
	// RFC 6582 §3.2 step 6: a timeout ends fast recovery and records the
	// highest sequence number sent.
	c.inRecovery, c.ccs.InRecovery = false, false
	c.recover = c.sndMax
	c.dupAcks = 0
	c.retxNow = false
	c.rttTiming = false
	c.sndNxt = c.sndUna // go back N
	c.ccs.InFlight = 0
}

// armPersist starts the persist timer when the peer's window stops us
// with nothing in flight (RFC 9293 §3.8.6.1).
func (c *Conn) armPersist(now time.Duration, usable, inflight int) {
	if inflight == 0 && c.persistAt == 0 && c.rtoAt == 0 {
		c.persistAt = now + c.rtt.backedOff(c.probes)
	}
}

// onPersist sends a zero-window probe, or, when a small window is open
// that SWS avoidance would not fill, lets a partial segment go (the
// override timeout of RFC 9293 §3.8.6.2.1).
func (c *Conn) onPersist(now time.Duration) {
	c.persistAt = 0
	if c.flight() != 0 || c.snd.n-c.sndNxt.Sub(c.sndBufSeq) <= 0 {
		return
	}
	if c.sndWnd > 0 {
		c.forceSend = true
		return
	}
	c.probePending = true
	c.probes++
	c.stats.zeroWindowProbes++
}

// armKeepalive schedules the next keepalive probe after idleness (RFC
// 9293 §3.8.4, RFC 1122 §4.2.3.6).
func (c *Conn) armKeepalive(now time.Duration) {
	if !c.keepAlive || c.keepIdle <= 0 {
		return
	}
	switch c.state {
	case Established, CloseWait, FinWait2:
		c.keepAt = now + c.keepIdle
	}
}

func (c *Conn) onKeepalive(now time.Duration) {
	c.keepAt = 0
	if !c.keepAlive {
		return
	}
	if c.sndUna != c.sndMax {
		c.armKeepalive(now) // data outstanding: the retransmission timer watches
		return
	}
	if c.keepProbes >= c.keepCount {
		c.fail(now, ErrTimeout)
		return
	}
	c.keepProbes++
	c.probePending = true
	c.keepAt = now + c.keepInterval
}
