package capture

import (
	"fmt"
	"net/netip"
	"sort"
	"time"
)

// StallAfter is how long a zero window may last before it counts as a
// stall: the time after which a sender starts probing it (RFC 9293
// §3.8.6.1 runs the persist timer at the RTO; Linux's is 200 ms at
// least). A window that opens sooner costs the sender only the wait for
// the receiving application, which is flow control doing its work.
const StallAfter = 200 * time.Millisecond

// Report is the reading of one capture.
type Report struct {
	Local     netip.Addr // tcpbox's address; every other source is a peer
	Frames    int
	TCPFrames int
	Bad       []Frame // malformed or bad checksum
	MinusZero int     // TCP checksums 0xffff where 0x0000 is computed

	// Retransmissions carried bytes already carried in the same
	// direction; Excuse is set for a peer's retransmission that the
	// capture shows was caused by tcpbox being off the CPU.
	Retransmissions []Retransmission
	// Reordered are frames tshark flags as retransmissions that carried
	// only new bytes: delivered out of order, not sent twice.
	Reordered int

	ZeroWindows       int           // segments advertising a zero window
	ZeroWindowPeriods int           // runs of them, per direction
	LongestZeroWindow time.Duration // the longest run, to the window's reopening
	Stalls            []Stall       // zero windows probed or longer than StallAfter
}

// Retransmission is a segment and the first one that carried its bytes.
type Retransmission struct {
	Frame, Original Frame
	Excuse          string // "" unless excused (peer only)
}

// Stall is a zero window that lasted.
type Stall struct {
	Start    Frame         // the first zero-window segment
	Duration time.Duration // until the window reopened (or the capture ended)
	Probes   int           // zero-window probes the other side sent meanwhile
}

// ByTCPBox returns the retransmissions tcpbox sent.
func (r *Report) ByTCPBox() []Retransmission { return r.filter(true, false) }

// ByPeerUnexcused returns the peer's retransmissions without an excuse.
func (r *Report) ByPeerUnexcused() []Retransmission { return r.filter(false, false) }

// ByPeerExcused returns the peer's retransmissions the capture excuses.
func (r *Report) ByPeerExcused() []Retransmission { return r.filter(false, true) }

func (r *Report) filter(ours, excused bool) []Retransmission {
	var out []Retransmission
	for _, x := range r.Retransmissions {
		if (x.Frame.Src.Addr() == r.Local) == ours && (x.Excuse != "") == excused {
			out = append(out, x)
		}
	}
	return out
}

type flowKey struct{ src, dst netip.AddrPort }

// flow is one direction of one connection: the sequence space seen so
// far (unwrapped to int64), the segments that carried it, and its window.
type flow struct {
	started bool
	base    uint32
	maxEnd  int64
	seen    []span // merged, sorted
	segs    []seg  // segments in order of their start
	// offset is the smallest capture time minus TSval (ms) seen: the
	// fastest delivery, which maps the sender's TSval clock onto the
	// capture's.
	offset   float64
	offsetOK bool
	tsBase   uint32 // the first TSval: TSvals are taken relative to it, across a wrap
	zeroFrom int    // index into frames of the first zero-window segment, -1 when open
	probes   int
}

// tsRel is a TSval in milliseconds since the flow's first one.
func (f *flow) tsRel(ts uint32) float64 { return float64(int32(ts - f.tsBase)) }

type span struct{ start, end int64 }

type seg struct {
	span
	frame int // index into frames
}

// unwrap places seq in the flow's sequence space next to the highest
// sequence seen.
func (f *flow) unwrap(seq uint32) int64 {
	if !f.started {
		f.started, f.base = true, seq
		return 0
	}
	ref := f.maxEnd
	return ref + int64(int32(seq-f.base-uint32(ref)))
}

// overlap reports whether [s, e) shares a byte with what was seen.
func (f *flow) overlap(s, e int64) bool {
	i := sort.Search(len(f.seen), func(i int) bool { return f.seen[i].end > s })
	return i < len(f.seen) && f.seen[i].start < e
}

// add merges [s, e) into what was seen.
func (f *flow) add(s, e int64) {
	n := len(f.seen)
	if n > 0 && f.seen[n-1].end >= s && f.seen[n-1].start <= s {
		f.seen[n-1].end = max(f.seen[n-1].end, e) // the common, in-order case
		return
	}
	i := sort.Search(n, func(i int) bool { return f.seen[i].end >= s })
	j := i
	for j < n && f.seen[j].start <= e {
		s, e = min(s, f.seen[j].start), max(e, f.seen[j].end)
		j++
	}
	f.seen = append(f.seen[:i], append([]span{{s, e}}, f.seen[j:]...)...)
}

// original finds the first segment that carried byte s.
func (f *flow) original(s int64) int {
	i := sort.Search(len(f.segs), func(i int) bool { return f.segs[i].start > s })
	best := -1
	for k := i - 1; k >= 0 && k >= i-64; k-- {
		if f.segs[k].start <= s && s < f.segs[k].end && (best < 0 || f.segs[k].frame < best) {
			best = f.segs[k].frame
		}
	}
	return best
}

func (f *flow) addSeg(s, e int64, frame int) {
	n := len(f.segs)
	i := n
	if n > 0 && f.segs[n-1].start > s {
		i = sort.Search(n, func(i int) bool { return f.segs[i].start > s })
	}
	f.segs = append(f.segs, seg{})
	copy(f.segs[i+1:], f.segs[i:])
	f.segs[i] = seg{span{s, e}, frame}
}

// Analyze reads frames (in capture order) with local as tcpbox's
// address.
func Analyze(frames []Frame, local netip.Addr) *Report {
	r := &Report{Local: local, Frames: len(frames)}
	var times []time.Duration // capture times, sorted; made when needed
	late := map[int]bool{}    // frames (by number) that filled a hole
	flows := map[flowKey]*flow{}
	get := func(k flowKey) *flow {
		f := flows[k]
		if f == nil {
			f = &flow{zeroFrom: -1}
			flows[k] = f
		}
		return f
	}
	for i := range frames {
		fr := &frames[i]
		if fr.Bad {
			r.Bad = append(r.Bad, *fr)
		}
		if fr.MinusZero {
			r.MinusZero++
		}
		if !fr.TCP {
			continue
		}
		r.TCPFrames++
		f := get(flowKey{fr.Src, fr.Dst})
		if fr.HasTS {
			if !f.offsetOK {
				f.tsBase = fr.TSval
			}
			ms := float64(fr.At)/1e6 - f.tsRel(fr.TSval)
			if !f.offsetOK || ms < f.offset {
				f.offset, f.offsetOK = ms, true
			}
		}
		if fr.Flags&flagSYN != 0 {
			// A SYN starts the sequence space afresh (a new connection
			// on a reused 4-tuple begins with a new ISN).
			if f.started && !f.overlap(f.unwrap(fr.Seq), f.unwrap(fr.Seq)+1) {
				*f = flow{zeroFrom: f.zeroFrom}
			}
		}
		if n := fr.seqLen(); n > 0 {
			s := f.unwrap(fr.Seq)
			e := s + int64(n)
			if f.overlap(s, e) {
				x := Retransmission{Frame: *fr}
				if o := f.original(s); o >= 0 {
					x.Original = frames[o]
				}
				if fr.Src.Addr() != local {
					if times == nil {
						times = sortedTimes(frames)
					}
					x.Excuse = reorderExcuse(&x, late[x.Original.No])
					if x.Excuse == "" {
						x.Excuse = excuse(times, &x, f)
					}
				}
				r.Retransmissions = append(r.Retransmissions, x)
			} else {
				if fr.TsharkRetx {
					r.Reordered++
				}
				if s < f.maxEnd {
					late[fr.No] = true // new bytes below bytes seen: delivered out of order
				}
				f.addSeg(s, e, i)
			}
			f.add(s, e)
			f.maxEnd = max(f.maxEnd, e)
		}
		r.zeroWindow(frames, i, f, get(flowKey{fr.Dst, fr.Src}))
	}
	// Windows still closed when the capture ended.
	for _, f := range flows {
		if f.zeroFrom >= 0 {
			r.closeZero(frames, f, frames[len(frames)-1].At)
		}
	}
	return r
}

// zeroWindow follows the runs of zero windows the sender of frames[i]
// advertises; back is the other direction, whose probes are counted.
func (r *Report) zeroWindow(frames []Frame, i int, f, back *flow) {
	fr := &frames[i]
	if fr.ZeroWindowProbe && back.zeroFrom >= 0 {
		back.probes++
	}
	if fr.Flags&flagRST != 0 || fr.Flags&flagACK == 0 {
		return
	}
	if fr.Win == 0 {
		r.ZeroWindows++
		if f.zeroFrom < 0 {
			f.zeroFrom, f.probes = i, 0
			r.ZeroWindowPeriods++
		}
		return
	}
	if f.zeroFrom >= 0 {
		r.closeZero(frames, f, fr.At)
	}
}

func (r *Report) closeZero(frames []Frame, f *flow, end time.Duration) {
	d := end - frames[f.zeroFrom].At
	r.LongestZeroWindow = max(r.LongestZeroWindow, d)
	if d >= StallAfter || f.probes > 0 {
		r.Stalls = append(r.Stalls, Stall{Start: frames[f.zeroFrom], Duration: d, Probes: f.probes})
	}
	f.zeroFrom = -1
}

// excuse returns the evidence that a peer's retransmission x of
// x.Original was caused by load on the machine, not by tcpbox, or "".
//
// Frames enter the capture when tcpbox's receive goroutine reads them or
// its send path writes them. The peer's TSval (RFC 7323 §5.4; Linux ticks
// in milliseconds) dates its two transmissions on its own clock, which
// the fastest delivery seen in the flow maps onto the capture's. Either
// of two facts excuses the retransmission (one tick of slack for the
// clocks' granularity):
//
//   - tcpbox read the original only after the peer had already sent the
//     retransmission: the original spent the peer's whole wait on the
//     way (the kernel's per-CPU backlog, tcpbox's receive ring, a
//     receive goroutine waiting for a CPU), so no ACK of any speed could
//     have come from tcpbox in time;
//   - the capture holds no frame at all, either way, from the original's
//     arrival (or its read, if later) until the retransmission left:
//     tcpbox's process did not run for the rest of the peer's wait.
func excuse(times []time.Duration, x *Retransmission, f *flow) string {
	o, fr := &x.Original, &x.Frame
	if o.No == 0 || !o.HasTS || !fr.HasTS || !f.offsetOK {
		return ""
	}
	const tick = time.Millisecond
	wait := time.Duration(int32(fr.TSval-o.TSval)) * tick
	if wait < 3*tick {
		return ""
	}
	arrived := time.Duration((f.tsRel(o.TSval) + f.offset) * 1e6)
	retxLeft := arrived + wait
	if o.At >= retxLeft-tick {
		return fmt.Sprintf("the peer waited %v (TSval %d -> %d); tcpbox read the original #%d %v after it could first have, %v %s",
			wait, o.TSval, fr.TSval, o.No, (o.At - arrived).Round(time.Microsecond), (o.At - retxLeft).Round(time.Microsecond), excuseLate)
	}
	lo, hi := max(arrived, o.At)+tick, retxLeft-tick
	// times is sorted: the first frame after lo must come at hi or later.
	k := sort.Search(len(times), func(k int) bool { return times[k] > lo })
	if k < len(times) && times[k] < hi {
		return ""
	}
	prev, next := lo, hi
	if k > 0 {
		prev = times[k-1]
	}
	if k < len(times) {
		next = times[k]
	}
	return fmt.Sprintf("the peer waited %v (TSval %d -> %d); after the original arrived, the capture has no frame either way for %v around that wait (%.6f to %.6f)",
		wait, o.TSval, fr.TSval, (next - prev).Round(time.Microsecond), prev.Seconds(), next.Seconds())
}

// excuseLate ends the first kind of excuse.
const excuseLate = "after the retransmission left"

// excuseReorder starts the excuses of reordering in delivery.
const excuseReorder = "reordered in delivery"

// reorderExcuse returns the evidence that a peer's retransmission x
// answered reordering on the way rather than anything tcpbox did, or "".
// On a veth the kernel's segments pass the per-CPU backlog of whichever
// CPU sent them, so segments sent from two CPUs can arrive out of order;
// tcpbox then reports the hole at once with a duplicate ACK and SACK
// (RFC 5681 §4.2, RFC 2018), and the peer's loss detection (RACK, RFC
// 8985, with a reordering window of a quarter of a microsecond-scale
// RTT) may resend before the late segment arrives. Either:
//
//   - the original filled a hole: it reached tcpbox after bytes above it
//     (origLate), so it was not lost but overtaken; or
//   - the copy tcpbox saw second was sent first (its TSval is older).
func reorderExcuse(x *Retransmission, origLate bool) string {
	o, fr := &x.Original, &x.Frame
	if o.No == 0 {
		return ""
	}
	if origLate {
		return fmt.Sprintf("%s: the original #%d arrived after later bytes of the flow (a hole tcpbox reported, not a loss)", excuseReorder, o.No)
	}
	if o.HasTS && fr.HasTS && int32(fr.TSval-o.TSval) < 0 {
		return fmt.Sprintf("%s: this copy was sent first (TSval %d before #%d's %d) and arrived second", excuseReorder, fr.TSval, o.No, o.TSval)
	}
	return ""
}

func sortedTimes(frames []Frame) []time.Duration {
	t := make([]time.Duration, len(frames))
	for i := range frames {
		t[i] = frames[i].At
	}
	sort.Slice(t, func(i, j int) bool { return t[i] < t[j] })
	return t
}
