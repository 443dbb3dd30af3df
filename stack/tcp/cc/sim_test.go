package cc

import (
	"math/rand/v2"
	"slices"
	"time"
)

// A packet-level simulator of one sender over one bottleneck, for tests of
// the algorithms through the Algorithm interface with real ACK clocking.
//
// The path: the sender's segments enter a drop-tail queue of Queue bytes
// served at Rate bytes per second; a segment that leaves the bottleneck
// may be lost at random (probability Loss, seeded RNG) or on purpose
// (Drop); otherwise its ACK reaches the sender RTT after it left the
// bottleneck. The receiver acknowledges every segment (cumulative ACK plus
// SACK of the segment itself). Nothing reorders, so the sender marks a
// segment lost as soon as one sent after it is acknowledged (an idealised
// SACK/RACK sender); lost segments are retransmitted first; the window is
// compared with the pipe (RFC 6675 style), so the sender does not call
// OnDupAck. Retransmission timeout: max(SRTT + 4*RTTVAR, 200 ms), doubled
// per back-off (RFC 6298 §5.5). Pacing through Pacer when the algorithm
// sets a pacing rate. Delivery-rate samples through RateSampler.

type simConfig struct {
	Rate  uint64        // bottleneck, bytes per second of payload
	RTT   time.Duration // base round-trip propagation time
	Queue int           // bottleneck queue in bytes
	Loss  float64       // random loss probability per segment
	Drop  []int         // segment numbers whose first transmission is lost
	// Late segments' first transmissions reach the receiver LateBy after
	// their successors (reordering): the idealised sender takes them for
	// lost and retransmits them spuriously.
	Late   []int
	LateBy time.Duration
	// WakeLate is how late the sender's pacing timer fires (Go's runtime
	// rounds a sleep under 1 ms up to 1 ms when it has nothing else to
	// run; a loaded host adds more). ACKs then arrive in batches, one per
	// WakeLate, as from a delay line served by such timers.
	WakeLate time.Duration
	Seed     uint64
	MSS      int
	Duration time.Duration
}

type simPoint struct {
	T            time.Duration
	Cwnd         int
	Ssthresh     int
	InFlight     int
	PacingRate   uint64
	DeliveryRate uint64
	Phase        string
	Delivered    int64 // bytes the receiver had in order
}

type simResult struct {
	Trace          []simPoint // one point per ACK, the first maxTrace
	Phases         []string   // phases in the order first entered
	Delivered      int64      // bytes delivered to the receiver in order
	Sent, Retrans  int        // segments transmitted, of which retransmissions
	Dropped        int        // segments the queue or the loss process discarded
	FastRecoveries int
	RTOs           int
	// FlightAtRecovery and SsthreshAtRecovery are InFlight before and
	// ssthresh after each EventFastRecovery.
	FlightAtRecovery, SsthreshAtRecovery []int
	meanRTT                              time.Duration // over all RTT samples
}

const maxTrace = 1 << 17

type simSeg struct {
	rec       TxRecord
	sentAt    time.Duration
	order     uint64 // link order of its latest transmission
	sends     int
	inflight  bool
	delivered bool
}

type simAck struct {
	at    time.Duration
	seq   int
	order uint64
}

type simTx struct {
	seq   int
	order uint64
}

type sim struct {
	cfg  simConfig
	alg  Algorithm
	s    Sender
	rs   RateSampler
	pace Pacer
	rng  *rand.Rand
	res  simResult

	segs    []simSeg
	nextSeq int
	retxQ   []int
	txQ     []simTx // transmissions in link order, for loss detection
	acks    []simAck
	rcvd    []bool
	cum     int // receiver: first segment not yet received

	order     uint64
	busyUntil time.Duration
	drops     map[int]bool
	late      map[int]bool

	recoverPt int
	srtt      time.Duration
	rttvar    time.Duration
	rtoAt     time.Duration // 0: not armed
	backoff   int
	paceAt    time.Duration // 0: not waiting for the pacer

	rttSum     time.Duration
	rttSamples int
}

func runSim(cfg simConfig, alg Algorithm) *simResult {
	if cfg.MSS == 0 {
		cfg.MSS = 1460
	}
	m := &sim{cfg: cfg, alg: alg, rng: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x5eed)), drops: map[int]bool{}, late: map[int]bool{}}
	for _, d := range cfg.Drop {
		m.drops[d] = true
	}
	for _, d := range cfg.Late {
		m.late[d] = true
	}
	m.s.MSS = cfg.MSS
	alg.Init(&m.s, 0)
	m.phase(0)
	m.send(0)
	for {
		now, ok := m.nextEvent()
		if !ok || now > cfg.Duration {
			break
		}
		for len(m.acks) > 0 && m.acks[0].at <= now {
			a := m.acks[0]
			m.acks = m.acks[1:]
			m.onAck(a)
		}
		if m.rtoAt != 0 && m.rtoAt <= now {
			m.onRTO(now)
		}
		m.send(now)
	}
	m.res.Delivered = int64(m.cum) * int64(cfg.MSS)
	if m.rttSamples > 0 {
		m.res.meanRTT = m.rttSum / time.Duration(m.rttSamples)
	}
	return &m.res
}

func (m *sim) nextEvent() (time.Duration, bool) {
	t, ok := time.Duration(0), false
	consider := func(at time.Duration) {
		if at != 0 && (!ok || at < t) {
			t, ok = at, true
		}
	}
	if len(m.acks) > 0 {
		consider(max(m.acks[0].at, 1))
	}
	consider(m.rtoAt)
	consider(m.paceAt)
	return t, ok
}

func (m *sim) phase(now time.Duration) {
	p := PhaseOf(m.alg, &m.s)
	if n := len(m.res.Phases); n == 0 || !containsStr(m.res.Phases, p) {
		m.res.Phases = append(m.res.Phases, p)
	}
}

func containsStr(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func (m *sim) rto() time.Duration {
	r := 200 * time.Millisecond
	if m.srtt > 0 {
		r = max(r, m.srtt+4*m.rttvar)
	}
	return r << min(m.backoff, 6)
}

// send transmits what the window and the pacer allow.
func (m *sim) send(now time.Duration) {
	mss := m.cfg.MSS
	// Like the TCP sender, try at every event (an ACK may come before a
	// late pacing timer), and re-arm the timer when the pacer holds.
	m.pace.Wake(now)
	m.paceAt = 0
	for m.s.InFlight+mss <= m.s.Cwnd {
		seq := -1
		for len(m.retxQ) > 0 {
			q := m.retxQ[0]
			if m.segs[q].delivered || m.segs[q].inflight {
				m.retxQ = m.retxQ[1:]
				continue
			}
			seq = q
			break
		}
		if seq < 0 {
			seq = m.nextSeq
		}
		if m.s.PacingRate > 0 {
			if q, ok := m.alg.(Quantizer); ok {
				m.pace.Burst = q.SendQuantum(&m.s) // as the TCP sender does
			}
			m.pace.SetRate(now, m.s.PacingRate)
			if at := m.pace.NextSendTime(now, mss); at > now {
				m.paceAt = at + m.cfg.WakeLate
				return
			}
		} else {
			m.pace.SetRate(now, 0)
		}
		if seq == m.nextSeq {
			m.nextSeq++
			m.segs = append(m.segs, simSeg{})
			m.rcvd = append(m.rcvd, false)
		} else {
			m.retxQ = m.retxQ[1:]
			m.res.Retrans++
		}
		m.transmit(now, seq)
	}
}

func (m *sim) transmit(now time.Duration, seq int) {
	mss := m.cfg.MSS
	g := &m.segs[seq]
	m.rs.OnSend(now, &g.rec, m.s.InFlight)
	m.pace.OnSend(now, mss)
	m.order++
	g.order = m.order
	g.sentAt = now
	g.sends++
	g.inflight = true
	m.s.InFlight += mss
	m.res.Sent++
	m.txQ = append(m.txQ, simTx{seq, m.order})
	if m.rtoAt == 0 {
		m.rtoAt = now + m.rto()
	}
	// The bottleneck: drop-tail queue, then the loss process.
	backlog := 0
	if m.busyUntil > now {
		backlog = int(uint64(m.busyUntil-now) * m.cfg.Rate / 1e9)
	}
	if backlog > m.cfg.Queue {
		m.res.Dropped++
		return
	}
	m.busyUntil = max(m.busyUntil, now) + time.Duration(uint64(mss)*1e9/m.cfg.Rate)
	if (g.sends == 1 && m.drops[seq]) || (m.cfg.Loss > 0 && m.rng.Float64() < m.cfg.Loss) {
		m.res.Dropped++
		return
	}
	at := m.busyUntil + m.cfg.RTT
	if g.sends == 1 && m.late[seq] {
		at += m.cfg.LateBy
	}
	if w := m.cfg.WakeLate; w > 0 {
		at = (at + w - 1) / w * w
	}
	// Keep the ACKs in arrival order (only a late segment moves back).
	i := len(m.acks)
	for i > 0 && m.acks[i-1].at > at {
		i--
	}
	m.acks = slices.Insert(m.acks, i, simAck{at, seq, m.order})
}

func (m *sim) onAck(a simAck) {
	now, mss := a.at, m.cfg.MSS
	prior := m.s.InFlight
	// Receiver.
	m.rcvd[a.seq] = true
	oldCum := m.cum
	for m.cum < len(m.rcvd) && m.rcvd[m.cum] {
		m.cum++
	}
	// Loss detection: every transmission that entered the link before this
	// one and is still outstanding is lost (no reordering on this path).
	lost := 0
	for len(m.txQ) > 0 && m.txQ[0].order < a.order {
		e := m.txQ[0]
		m.txQ = m.txQ[1:]
		q := &m.segs[e.seq]
		if q.order == e.order && q.inflight && !q.delivered {
			q.inflight = false
			lost += mss
			m.retxQ = append(m.retxQ, e.seq)
		}
	}
	if len(m.txQ) > 0 && m.txQ[0].order == a.order {
		m.txQ = m.txQ[1:]
	}
	if lost > 0 && !m.s.InRecovery {
		m.s.InRecovery = true
		m.recoverPt = m.nextSeq
		m.res.FastRecoveries++
		m.res.FlightAtRecovery = append(m.res.FlightAtRecovery, m.s.InFlight)
		m.alg.OnEvent(&m.s, EventFastRecovery, now)
		m.res.SsthreshAtRecovery = append(m.res.SsthreshAtRecovery, m.s.Ssthresh)
	}
	m.s.InFlight -= lost
	m.rs.OnLost(lost)

	g := &m.segs[a.seq]
	var rtt time.Duration
	if !g.delivered {
		g.delivered = true
		if g.inflight {
			g.inflight = false
			m.s.InFlight -= mss
		}
		m.rs.OnDelivered(now, &g.rec, mss)
		if g.sends == 1 { // Karn: no sample from a retransmitted segment
			rtt = now - g.sentAt
			m.updateRTT(rtt)
		}
	}
	ack := Ack{
		Now:           now,
		Acked:         (m.cum - oldCum) * mss,
		PriorInFlight: prior,
		RTT:           rtt,
		Rate:          m.rs.Sample(now),
	}
	if a.seq >= m.cum {
		ack.Sacked = mss
	}
	if ack.Acked > 0 || ack.Sacked > 0 {
		m.alg.OnAck(&m.s, &ack)
	}
	if m.s.InRecovery && m.cum >= m.recoverPt {
		m.s.InRecovery = false
		m.alg.OnEvent(&m.s, EventRecoveryExit, now)
	}
	if m.cum > oldCum {
		m.backoff = 0
		m.rtoAt = 0
		if m.s.InFlight > 0 {
			m.rtoAt = now + m.rto()
		}
	}
	m.phase(now)
	if len(m.res.Trace) < maxTrace {
		m.res.Trace = append(m.res.Trace, simPoint{
			T: now, Cwnd: m.s.Cwnd, Ssthresh: m.s.Ssthresh, InFlight: m.s.InFlight,
			PacingRate: m.s.PacingRate, DeliveryRate: ack.Rate.Rate(), Phase: PhaseOf(m.alg, &m.s),
			Delivered: int64(m.cum) * int64(mss),
		})
	}
}

// updateRTT is RFC 6298 §2.
func (m *sim) updateRTT(r time.Duration) {
	m.rttSum += r
	m.rttSamples++
	if m.srtt == 0 {
		m.srtt, m.rttvar = r, r/2
	} else {
		d := m.srtt - r
		if d < 0 {
			d = -d
		}
		m.rttvar = (3*m.rttvar + d) / 4
		m.srtt = (7*m.srtt + r) / 8
	}
	m.s.SRTT = m.srtt
	if m.s.MinRTT == 0 || r < m.s.MinRTT {
		m.s.MinRTT = r
	}
}

func (m *sim) onRTO(now time.Duration) {
	m.res.RTOs++
	m.alg.OnEvent(&m.s, EventRTO, now)
	// Everything outstanding is presumed lost and resent in order.
	m.retxQ = m.retxQ[:0]
	for q := m.cum; q < m.nextSeq; q++ {
		g := &m.segs[q]
		if !g.delivered {
			g.inflight = false
			m.retxQ = append(m.retxQ, q)
		}
	}
	m.s.InFlight = 0
	m.s.InRecovery = true
	m.recoverPt = m.nextSeq
	m.backoff++
	m.rtoAt = now + m.rto()
	m.phase(now)
}

// goodputAfter is the in-order delivery rate, bytes per second, from the
// first trace point at or after from until the run's end at end.
func goodputAfter(r *simResult, from, end time.Duration) float64 {
	for _, p := range r.Trace {
		if p.T >= from {
			return float64(r.Delivered-p.Delivered) / (end - p.T).Seconds()
		}
	}
	return 0
}
