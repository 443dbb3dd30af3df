package tcp

import (
	"bytes"
	"crypto/sha256"
	"math/rand/v2"
	"net/netip"
	"sort"
	"testing"
	"time"
)

// pipe wires two connections back to back in memory on a manual clock:
// a dials, b comes out of a Listener. Segments are copied, delayed and
// dropped at random with a seeded generator.
type pipe struct {
	t      testing.TB
	now    time.Duration
	a, b   *Conn
	l      *Listener
	cfgA   *Config
	cfgB   *Config
	q      []flight
	rng    *rand.Rand
	loss   float64
	delay  time.Duration
	jitter time.Duration
	sent   int
	lost   int
	// plan, when set, decides each segment's fate in turn: a byte below
	// 40 drops it (at most 3 drops in a row each way), otherwise it arrives after
	// the base delay plus byte*50µs. Once used up, nothing is lost.
	plan    []byte
	planPos int
	run     [2]int
	// slowRead, when set, makes b read at most that many bytes per event.
	slowRead int
	// logf, when set, is told every delivery (for debugging a failure).
	logf func(format string, a ...any)
	// onSendA, when set, sees every segment a emits, when it does.
	onSendA func(now time.Duration, s *Segment)
	// sendRun, when set, is both sides' SetSendRun; send cuts the runs
	// they emit into segments, as the glue does.
	sendRun int
	// onWire, when set, sees every segment sent each way (a run's
	// segments one by one), lost or not; runs counts the runs.
	onWire func(toB bool, s *Segment)
	runs   int
	// lend, when set, offers every payload to the receive buffer
	// (Segment.Lender) and poisons payload memory the moment it is no
	// longer the receiver's: at the end of Input when not taken, at
	// Release when taken.
	lend *lendCount
}

// lendCount counts the payloads a pipe lent, took and got back.
type lendCount struct{ lent, taken, released int }

// pipeLender lends one segment's payload copy.
type pipeLender struct {
	c     *lendCount
	p     []byte
	taken bool
	done  bool
}

func (l *pipeLender) TakePayload() Releaser {
	if l.taken {
		panic("payload taken twice")
	}
	l.taken = true
	l.c.taken++
	return l
}

func (l *pipeLender) Release() {
	if l.done {
		panic("payload released twice")
	}
	l.done = true
	l.c.released++
	poison(l.p)
}

func poison(p []byte) {
	for i := range p {
		p[i] = 0xee
	}
}

type flight struct {
	at    time.Duration
	toB   bool
	order int
	seg   Segment
}

var pipeA = netip.MustParseAddrPort("198.18.0.1:40000")
var pipeB = netip.MustParseAddrPort("198.18.0.2:7")

func newPipe(t testing.TB, cfgA, cfgB Config, seed uint64, loss float64) *pipe {
	p := &pipe{t: t, now: time.Second, cfgA: &cfgA, cfgB: &cfgB, loss: loss, delay: 5 * time.Millisecond,
		rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b9))}
	p.a = NewConn(p.cfgA, pipeA, pipeB, p.now)
	p.l = NewListener(p.cfgB, pipeB, 16, [16]byte{9})
	if err := p.a.Connect(p.now); err != nil {
		t.Fatal(err)
	}
	return p
}

func (p *pipe) send(toB bool, s *Segment) {
	if s.SegSize > 0 {
		p.runs++
		piece := *s
		piece.SegSize = 0
		for off := 0; off < len(s.Payload); off += s.SegSize {
			piece.Seq = s.Seq.Add(off)
			piece.Payload = s.Payload[off : off+s.SegSize]
			p.send(toB, &piece)
		}
		return
	}
	if p.onWire != nil {
		p.onWire(toB, s)
	}
	p.sent++
	if p.planPos < len(p.plan) {
		b := p.plan[p.planPos]
		p.planPos++
		d := 0
		if !toB {
			d = 1
		}
		if b < 40 && p.run[d] < 3 {
			p.run[d]++
			p.lost++
			return
		}
		p.run[d] = 0
		p.q = append(p.q, flight{at: p.now + p.delay + time.Duration(b)*50*time.Microsecond, toB: toB, order: p.sent, seg: copySeg(s)})
		return
	}
	if p.loss > 0 && p.rng.Float64() < p.loss {
		p.lost++
		return
	}
	d := p.delay
	if p.jitter > 0 {
		d += time.Duration(p.rng.Int64N(int64(p.jitter)))
	}
	p.q = append(p.q, flight{at: p.now + d, toB: toB, order: p.sent, seg: copySeg(s)})
}

func (p *pipe) emitA(s *Segment) {
	if p.onSendA != nil {
		p.onSendA(p.now, s)
	}
	p.send(true, s)
}
func (p *pipe) emitB(s *Segment) { p.send(false, s) }

// step delivers what is due, runs both outputs and advances the clock to
// the next event. It reports false when nothing is left to happen.
func (p *pipe) step() bool {
	sort.SliceStable(p.q, func(i, j int) bool {
		if p.q[i].at != p.q[j].at {
			return p.q[i].at < p.q[j].at
		}
		return p.q[i].order < p.q[j].order
	})
	n := 0
	for n < len(p.q) && p.q[n].at <= p.now {
		n++
	}
	due := p.q[:n:n]
	p.q = p.q[n:]
	for i := range due {
		f := &due[i]
		if p.logf != nil {
			dir := "a->b"
			if !f.toB {
				dir = "b->a"
			}
			p.logf("%v %s %s", p.now, dir, fmtSeg(&f.seg))
		}
		var lender *pipeLender
		if p.lend != nil && len(f.seg.Payload) > 0 {
			lender = &pipeLender{c: p.lend, p: f.seg.Payload}
			f.seg.Lender = lender
			p.lend.lent++
		}
		if f.toB {
			if p.b != nil {
				p.b.Input(p.now, &f.seg)
			} else if c := p.l.Input(p.now, pipeA, &f.seg, p.emitB); c != nil {
				p.b = c
				c.SetSendRun(p.sendRun)
				p.l.Accepted()
			}
		} else {
			p.a.Input(p.now, &f.seg)
		}
		if lender != nil && !lender.taken {
			poison(lender.p) // the receiver had it during Input only
		}
	}
	p.a.Output(p.now, p.emitA)
	p.l.Output(p.now, func(_ netip.AddrPort, s *Segment) { p.emitB(s) })
	if p.b != nil {
		p.b.Output(p.now, p.emitB)
	}
	next := time.Duration(0)
	consider := func(d time.Duration) {
		if d != 0 && (next == 0 || d < next) {
			next = d
		}
	}
	if len(p.q) > 0 {
		consider(p.q[0].at)
		for _, f := range p.q {
			consider(f.at)
		}
	}
	consider(p.a.NextDeadline())
	consider(p.l.NextDeadline())
	if p.b != nil {
		consider(p.b.NextDeadline())
	}
	if next == 0 {
		return false
	}
	p.now = max(next, p.now)
	return true
}

// transfer moves na bytes a->b and nb bytes b->a, then both close; it
// checks both streams by SHA-256.
func (p *pipe) transfer(na, nb int, limit time.Duration) {
	t := p.t
	srcA := make([]byte, na)
	srcB := make([]byte, nb)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range srcA {
		srcA[i] = byte(r.Uint32())
	}
	for i := range srcB {
		srcB[i] = byte(r.Uint32())
	}
	var gotA, gotB bytes.Buffer // what a and b received
	offA, offB := 0, 0
	buf := make([]byte, 32<<10)
	eofA, eofB := false, false
	start := p.now
	idle := false
	for steps := 0; ; steps++ {
		if steps > 5_000_000 || p.now-start > limit {
			t.Fatalf("transfer stuck at %v: a %v sent %d/%d got %d/%d; b %v; a info %+v",
				p.now-start, p.a.State(), offA, na, gotA.Len(), nb, p.b != nil && p.b.State() != 0, p.a.Info(p.now))
		}
		if offA < na {
			k, _ := p.a.Write(srcA[offA:])
			offA += k
			if offA == na {
				p.a.CloseWrite()
			}
		}
		for !eofA {
			k, err := p.a.Read(buf)
			gotA.Write(buf[:k])
			if err != nil {
				eofA = true
			}
			if k == 0 {
				break
			}
		}
		if p.b != nil {
			if offB < nb {
				k, _ := p.b.Write(srcB[offB:])
				offB += k
			}
			if offB == nb && eofB {
				p.b.Close()
			}
			for !eofB {
				rb := buf
				if p.slowRead > 0 {
					rb = buf[:p.slowRead] // one small read per event: the window closes
				}
				k, err := p.b.Read(rb)
				gotB.Write(buf[:k])
				if err != nil {
					eofB = true
				}
				if k == 0 || p.slowRead > 0 {
					break
				}
			}
		}
		// Nothing in flight and no timer: give the applications one more
		// turn (they may close), then stop.
		// A reader with data still to read is work too (a slow reader).
		appBusy := (p.b != nil && !eofB && p.b.Readable()) || (!eofA && p.a.Readable())
		if !p.step() && !appBusy {
			if idle {
				break
			}
			idle = true
		} else {
			idle = false
		}
		if eofA && eofB && p.a.Done() && p.b.Done() {
			break
		}
	}
	if sha256.Sum256(gotB.Bytes()) != sha256.Sum256(srcA) {
		t.Fatalf("a->b corrupted: got %d bytes of %d", gotB.Len(), na)
	}
	if sha256.Sum256(gotA.Bytes()) != sha256.Sum256(srcB) {
		t.Fatalf("b->a corrupted: got %d bytes of %d", gotA.Len(), nb)
	}
	if p.a.Err() != nil || p.b.Err() != nil {
		t.Fatalf("errors: a %v b %v", p.a.Err(), p.b.Err())
	}
}

func TestPipeTransferClean(t *testing.T) {
	p := newPipe(t, DefaultConfig(), DefaultConfig(), 1, 0)
	p.transfer(2<<20, 1<<20, 10*time.Minute)
	ia := p.a.Info(p.now)
	if ia.TotalRetrans != 0 {
		t.Fatalf("retransmissions without loss: %d", ia.TotalRetrans)
	}
	if p.a.State() != Closed && p.a.State() != TimeWait {
		t.Fatalf("a ended in %v", p.a.State())
	}
}

func TestPipeTransferLossy(t *testing.T) {
	for _, tc := range []struct {
		name string
		loss float64
		seed uint64
		opts bool
	}{
		{"1pct-options", 0.01, 7, true},
		{"2pct-options-4MiB", 0.02, 10, true},
		{"5pct-options", 0.05, 8, true},
		{"5pct-plain", 0.05, 9, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			if !tc.opts {
				cfg = testConfig()
			}
			p := newPipe(t, cfg, cfg, tc.seed, tc.loss)
			p.jitter = 2 * time.Millisecond
			n := 1 << 20
			if tc.seed == 10 {
				n = 4 << 20
			}
			p.transfer(n, 256<<10, 60*time.Minute)
			ia := p.a.Info(p.now)
			if p.lost > 0 && ia.TotalRetrans == 0 && p.b.Info(p.now).TotalRetrans == 0 {
				t.Fatal("loss but no retransmissions")
			}
			t.Logf("lost %d of %d; a: retrans %d fast %d rto %d; %v", p.lost, p.sent, ia.TotalRetrans, ia.FastRetrans, ia.RTORetrans, p.now)
		})
	}
}

// TestPipeLentPayloads: with every payload offered to the receive buffer
// (Segment.Lender), in-order payloads are kept where they arrived and
// read from there, mixed with copied ones (out of order, behind bytes in
// the ring), under loss and reordering; memory is poisoned as soon as it
// is given back or was not taken, so a read from it would corrupt the
// stream. Every taken payload is given back once read.
func TestPipeLentPayloads(t *testing.T) {
	for _, seed := range []uint64{21, 22, 23, 24} {
		cfg := DefaultConfig()
		if seed%2 == 0 {
			cfg.RecvBuf, cfg.RecvBufMin, cfg.RecvBufMax = 8<<10, 4<<10, 16<<10
		}
		p := newPipe(t, cfg, cfg, seed, 0.02)
		p.jitter = 8 * time.Millisecond
		p.lend = &lendCount{}
		if seed == 24 {
			p.slowRead = 700 // reads end inside kept payloads
		}
		p.transfer(512<<10, 128<<10, 2*time.Hour)
		c := p.lend
		t.Logf("seed %d: lent %d, taken %d, released %d", seed, c.lent, c.taken, c.released)
		if c.taken == 0 || c.taken == c.lent {
			t.Errorf("seed %d: %d of %d payloads taken: want some kept and some copied", seed, c.taken, c.lent)
		}
		if c.released != c.taken {
			t.Errorf("seed %d: %d payloads taken, %d given back", seed, c.taken, c.released)
		}
	}
}

// TestPipeManySeeds runs short transfers under loss and reordering with
// many seeds, each a different interleaving, to shake out stalls.
func TestPipeManySeeds(t *testing.T) {
	seeds := 24
	if testing.Short() {
		seeds = 6
	}
	for seed := uint64(100); seed < uint64(100+seeds); seed++ {
		cfg := DefaultConfig()
		switch seed % 3 {
		case 1:
			cfg = testConfig()
		case 2:
			cfg.RecvBuf, cfg.RecvBufMin, cfg.RecvBufMax, cfg.SendBuf = 8<<10, 4<<10, 16<<10, 8<<10
		}
		p := newPipe(t, cfg, cfg, seed, 0.02+float64(seed%4)*0.02)
		p.jitter = 8 * time.Millisecond // reorders: segments 5-13 ms in flight
		p.transfer(192<<10, 96<<10, 2*time.Hour)
	}
}

// Both ends close at the same moment with nothing to send: the FINs
// cross, both go through CLOSING to TIME-WAIT (RFC 9293 §3.6, figure 13).
func TestPipeSimultaneousClose(t *testing.T) {
	cfg := testConfig()
	p := newPipe(t, cfg, cfg, 4, 0)
	for i := 0; p.b == nil || p.a.State() != Established || p.b.State() != Established; i++ {
		if i > 100 {
			t.Fatal("no connection")
		}
		p.step()
	}
	p.a.Close()
	p.b.Close()
	sawClosing := [2]bool{}
	for i := 0; i < 100 && !(p.a.State() == TimeWait && p.b.State() == TimeWait); i++ {
		p.step()
		sawClosing[0] = sawClosing[0] || p.a.State() == Closing
		sawClosing[1] = sawClosing[1] || p.b.State() == Closing
	}
	if p.a.State() != TimeWait || p.b.State() != TimeWait || !sawClosing[0] || !sawClosing[1] {
		t.Fatalf("a %v b %v, CLOSING seen %v", p.a.State(), p.b.State(), sawClosing)
	}
}

// The dialing side's ISN sits just below 2^32, so its stream (and the
// listener's receive sequence space) wraps during the transfer, under loss.
func TestPipeSequenceWrap(t *testing.T) {
	cfg := DefaultConfig()
	p := newPipe(t, cfg, cfg, 21, 0.02)
	p.a.iss = Seq(0xffffffff - 300_000)
	p.a.initSend()
	p.transfer(1<<20, 64<<10, time.Hour)
	if in := p.a.Info(p.now); Seq(in.SndUna).GreaterThan(p.a.iss) == false || in.SndUna > uint32(p.a.iss) {
		t.Fatalf("SND.UNA %d did not wrap past 2^32 from ISS %d", in.SndUna, uint32(p.a.iss))
	}
}

// A slow reader closes the window: the sender probes and resumes, and
// the data still arrives intact.
func TestPipeSlowReader(t *testing.T) {
	cfg := DefaultConfig()
	cfg.RecvBuf, cfg.RecvBufMin, cfg.RecvBufMax = 8<<10, 4<<10, 8<<10
	p := newPipe(t, cfg, cfg, 31, 0.01)
	p.slowRead = 100
	p.transfer(256<<10, 16<<10, 24*time.Hour)
	if in := p.a.Info(p.now); in.RwndLimited == 0 {
		t.Fatalf("the window never limited the sender: %+v", in)
	}
}
