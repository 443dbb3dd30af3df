package main

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/hack/capture"
)

// senderPkt is one TCP frame of tcpbox's own capture, as the sender saw
// it: out for what it sent, otherwise an ACK it received.
type senderPkt struct {
	at       time.Duration // since the Unix epoch
	out      bool
	seq, ack uint32
	n        int // payload bytes
	sacks    [][2]uint32
}

// covers reports whether sequence number x lies in [start, start+n).
func covers(start uint32, n int, x uint32) bool {
	d := int64(int32(x - start))
	return d >= 0 && d < int64(n)
}

// beyond reports whether a is after b in sequence space.
func beyond(a, b uint32) bool { return int32(a-b) > 0 }

// parseSender reads tshark's fields (time_epoch, ip.src, seq, len, ack,
// sack_le, sack_re; tab-separated, raw sequence numbers) with local as
// tcpbox's address.
func parseSender(out, local string) ([]senderPkt, error) {
	var pkts []senderPkt
	for _, line := range strings.Split(out, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) < 7 {
			return nil, fmt.Errorf("tshark line %q: %d fields, want 7", line, len(f))
		}
		var p senderPkt
		var err error
		if p.at, err = capture.ParseEpoch(f[0]); err != nil {
			return nil, err
		}
		p.out = f[1] == local
		nums := make([]uint64, 3)
		for i, s := range f[2:5] {
			if s == "" {
				continue
			}
			if nums[i], err = strconv.ParseUint(s, 10, 32); err != nil {
				return nil, fmt.Errorf("tshark line %q: %v", line, err)
			}
		}
		p.seq, p.n, p.ack = uint32(nums[0]), int(nums[1]), uint32(nums[2])
		if f[5] != "" {
			le, re := strings.Split(f[5], ","), strings.Split(f[6], ",")
			if len(le) != len(re) {
				return nil, fmt.Errorf("tshark line %q: %d SACK left edges, %d right", line, len(le), len(re))
			}
			for i := range le {
				l, err1 := strconv.ParseUint(le[i], 10, 32)
				r, err2 := strconv.ParseUint(re[i], 10, 32)
				if err1 != nil || err2 != nil {
					return nil, fmt.Errorf("tshark line %q: bad SACK block", line)
				}
				p.sacks = append(p.sacks, [2]uint32{uint32(l), uint32(r)})
			}
		}
		pkts = append(pkts, p)
	}
	return pkts, nil
}

// reorderEvidence judges, from the sender's capture, a retransmission of
// sequence number x that the receiver's side showed to be spurious. RACK
// (RFC 8985 §6.2) may mark a segment lost once a segment sent after it
// has been delivered and the segment's own round trip would exceed that
// one's by more than the reordering window, at least min_RTT/4 once
// reordering has been seen. So the retransmission is excused when the
// ACK covering x came to the sender after the retransmission left, and
// x's round trip (original to that ACK) exceeded the round trip of the
// newest segment delivered before the retransmission by more than reo:
// the path held x back longer than any adapted window allows. A
// retransmission with no such evidence is excused only when x was the
// newest data sent: a sender may probe or rescue the tail without
// evidence of loss (RFC 8985 §7, RFC 6675 §4). A fresh-clone CI run
// failed once on a retransmission without evidence, in a run whose queue
// had dropped two frames (real losses, so a recovery, in which tcpbox
// may rescue the tail); its capture was not kept, so whether that
// retransmission was of the newest data is not known. The string says
// what the capture shows either way.
func reorderEvidence(pkts []senderPkt, x uint32, reo time.Duration) (string, bool) {
	orig, retx := -1, -1
	for i, p := range pkts {
		if !p.out || !covers(p.seq, p.n, x) {
			continue
		}
		if orig < 0 {
			orig = i
		} else {
			retx = i
			break
		}
	}
	if orig < 0 || retx < 0 {
		return "tcpbox's capture does not have both its transmission and its retransmission", false
	}
	acked := -1
	for i := orig + 1; i < len(pkts); i++ {
		if p := pkts[i]; !p.out && beyond(p.ack, x) {
			acked = i
			break
		}
	}
	if acked < 0 {
		return "no ACK covering it reached tcpbox", false
	}
	if acked < retx {
		return fmt.Sprintf("retransmitted %v after the ACK covering it had arrived", pkts[retx].at-pkts[acked].at), false
	}
	// The highest sequence number delivered (cumulatively or by SACK)
	// when the retransmission left.
	high, hasHigh := uint32(0), false
	raise := func(v uint32) {
		if !hasHigh || beyond(v, high) {
			high, hasHigh = v, true
		}
	}
	for i := orig + 1; i < retx; i++ {
		if p := pkts[i]; !p.out {
			raise(p.ack)
			for _, b := range p.sacks {
				raise(b[1])
			}
		}
	}
	origEnd := pkts[orig].seq + uint32(pkts[orig].n)
	if !hasHigh || !beyond(high, origEnd) {
		// No evidence of loss: excused only when x was the newest data
		// sent, which a sender may retransmit without any (the rescue
		// retransmission of RFC 6675 §4, NextSeg rule 4, or RACK-TLP's
		// probe, RFC 8985 §7), and which the path then delivered late.
		newest := true
		for i := 0; i < retx && newest; i++ {
			if p := pkts[i]; p.out && p.n > 0 && beyond(p.seq+uint32(p.n), origEnd) {
				newest = false
			}
		}
		if newest {
			return "the newest data sent, retransmitted at the tail without evidence of loss (RFC 6675 rescue or RFC 8985 probe)", true
		}
		return "nothing sent after it had been delivered when it was retransmitted", false
	}
	last := high - 1
	sent, seen := -1, -1
	for i, p := range pkts {
		if p.out && sent < 0 && covers(p.seq, p.n, last) {
			sent = i
		}
		if sent >= 0 && !p.out && (beyond(p.ack, last) || sacked(p.sacks, last)) {
			seen = i
			break
		}
	}
	if sent < 0 || seen < 0 {
		return fmt.Sprintf("the newest delivered byte (%d) is not in tcpbox's capture", last), false
	}
	rttX := pkts[acked].at - pkts[orig].at
	rttY := pkts[seen].at - pkts[sent].at
	extra := rttX - rttY
	what := fmt.Sprintf("its round trip was %v, that of seq %d (sent %v after it) %v: held back %v, against RACK's window of at least %v",
		rttX, last, pkts[sent].at-pkts[orig].at, rttY, extra, reo)
	return what, extra > reo
}

// sacked reports whether any block covers x.
func sacked(blocks [][2]uint32, x uint32) bool {
	for _, b := range blocks {
		if covers(b[0], int(b[1]-b[0]), x) {
			return true
		}
	}
	return false
}

// TestReorderEvidence checks the judgement on hand-made captures: a
// frame held back 1 ms and retransmitted by a sender that did not wait
// is not excused; one held back 7 ms past a 5 ms window is.
func TestReorderEvidence(t *testing.T) {
	ms := func(v float64) time.Duration { return time.Duration(v * float64(time.Millisecond)) }
	build := func(hold, retxAt float64) []senderPkt {
		// Segments 1000, 2000, 3000, 4000 (1000 bytes each) leave at 0;
		// the path's round trip is 20 ms. 1000 is held back hold ms.
		var p []senderPkt
		for s := uint32(1000); s <= 4000; s += 1000 {
			p = append(p, senderPkt{at: 0, out: true, seq: s, n: 1000})
		}
		p = append(p, senderPkt{at: ms(20), ack: 1000, sacks: [][2]uint32{{2000, 5000}}})
		events := []senderPkt{
			{at: ms(retxAt), out: true, seq: 1000, n: 1000},
			{at: ms(20 + hold), ack: 5000},
		}
		if events[1].at < events[0].at {
			events[0], events[1] = events[1], events[0]
		}
		return append(p, events...)
	}
	for _, c := range []struct {
		name         string
		hold, retxAt float64
		want         bool
	}{
		{"held 1 ms, resent at once", 1, 20.1, false},
		{"held 7 ms, resent after a 5 ms window", 7, 25.1, true},
		{"resent after the ACK came", 1, 22, false},
	} {
		why, ok := reorderEvidence(build(c.hold, c.retxAt), 1000, ms(5))
		if ok != c.want {
			t.Errorf("%s: excused %v, want %v (%s)", c.name, ok, c.want, why)
		}
	}
	if _, ok := reorderEvidence(build(7, 25.1)[:4], 1000, ms(5)); ok {
		t.Error("excused a retransmission missing from the capture")
	}
	// Retransmitted before anything sent after it was delivered: only
	// the newest segment (a tail probe or rescue) is excused.
	noEvidence := func(x uint32) []senderPkt {
		var p []senderPkt
		for s := uint32(1000); s <= 4000; s += 1000 {
			p = append(p, senderPkt{at: 0, out: true, seq: s, n: 1000})
		}
		return append(p,
			senderPkt{at: ms(20), ack: x},
			senderPkt{at: ms(22), out: true, seq: x, n: 1000},
			senderPkt{at: ms(23), ack: 5000})
	}
	if why, ok := reorderEvidence(noEvidence(4000), 4000, ms(5)); !ok {
		t.Errorf("the newest segment, resent at the tail: not excused (%s)", why)
	}
	if why, ok := reorderEvidence(noEvidence(2000), 2000, ms(5)); ok {
		t.Errorf("a middle segment resent without evidence of loss: excused (%s)", why)
	}
	pkts, err := parseSender("1763766000.000000001\t198.18.0.2\t1000\t1000\t1\t\t\n1763766000.020000000\t198.18.0.1\t1\t0\t1000\t2000,3000\t2500,4000\n", "198.18.0.2")
	if err != nil || len(pkts) != 2 || !pkts[0].out || pkts[1].out || len(pkts[1].sacks) != 2 || pkts[1].sacks[1] != [2]uint32{3000, 4000} || pkts[1].at-pkts[0].at != ms(20)-1 {
		t.Errorf("parseSender: %+v, %v", pkts, err)
	}
	if _, err := parseSender("x\t1\n", "198.18.0.2"); err == nil {
		t.Error("parseSender took a short line")
	}
}
