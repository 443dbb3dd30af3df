package tcp

// maxOOO bounds the out-of-order ranges a connection tracks; a segment
// that would need more is dropped (the sender retransmits it later).
const maxOOO = 32

// reassembly tracks which bytes beyond RCV.NXT have arrived (their bytes
// live in the receive ring) as sorted, disjoint, non-adjacent ranges, and
// remembers which arrived most recently for SACK block ordering (RFC 2018
// §4: the first block reports the most recently received segment).
type reassembly struct {
	r       [maxOOO]SACKBlock
	n       int
	recent  [4]Seq // starts of recent arrivals, most recent first
	nrecent int
}

func (q *reassembly) empty() bool { return q.n == 0 }

// end is the highest sequence number held, or from when empty.
func (q *reassembly) end(from Seq) Seq {
	if q.n == 0 {
		return from
	}
	return q.r[q.n-1].End
}

// overlap returns the first part of [s, e) already held, for D-SACK
// (RFC 2883 §4).
func (q *reassembly) overlap(s, e Seq) (SACKBlock, bool) {
	for i := 0; i < q.n; i++ {
		r := q.r[i]
		if r.Start.LessThan(e) && s.LessThan(r.End) {
			return SACKBlock{MaxSeq(s, r.Start), MinSeq(e, r.End)}, true
		}
	}
	return SACKBlock{}, false
}

// add records [s, e). It reports false, changing nothing, when the range
// would need more than maxOOO ranges.
func (q *reassembly) add(s, e Seq) bool {
	if !s.LessThan(e) {
		return true
	}
	i := 0
	for i < q.n && q.r[i].End.LessThan(s) {
		i++
	}
	j := i
	for j < q.n && q.r[j].Start.LessEq(e) {
		j++
	}
	if i == j {
		if q.n == maxOOO {
			return false
		}
		copy(q.r[i+1:q.n+1], q.r[i:q.n])
		q.r[i] = SACKBlock{s, e}
		q.n++
	} else {
		m := SACKBlock{MinSeq(s, q.r[i].Start), MaxSeq(e, q.r[j-1].End)}
		q.r[i] = m
		copy(q.r[i+1:], q.r[j:q.n])
		q.n -= j - i - 1
	}
	q.noteRecent(s)
	return true
}

func (q *reassembly) noteRecent(s Seq) {
	k := q.nrecent
	if k == len(q.recent) {
		k--
	}
	copy(q.recent[1:k+1], q.recent[:k])
	q.recent[0] = s
	if q.nrecent < len(q.recent) {
		q.nrecent++
	}
}

// advance removes the ranges that RCV.NXT (nxt) has reached and returns
// the new RCV.NXT.
func (q *reassembly) advance(nxt Seq) Seq {
	for q.n > 0 && q.r[0].Start.LessEq(nxt) {
		nxt = MaxSeq(nxt, q.r[0].End)
		copy(q.r[:], q.r[1:q.n])
		q.n--
	}
	return nxt
}

// blocks fills out with at most max SACK blocks: the D-SACK block first
// if given (RFC 2883 §4), then the ranges holding the most recent
// arrivals, then the rest in sequence order (RFC 2018 §4).
func (q *reassembly) blocks(out []SACKBlock, max int, dsack *SACKBlock) int {
	n := 0
	if dsack != nil && n < max {
		out[n] = *dsack
		n++
	}
	first := n // RFC 2883 §4: the block holding the duplicate follows the D-SACK block even if equal
	has := func(b SACKBlock) bool {
		for k := first; k < n; k++ {
			if out[k] == b {
				return true
			}
		}
		return false
	}
	for k := 0; k < q.nrecent && n < max; k++ {
		for i := 0; i < q.n; i++ {
			r := q.r[i]
			if q.recent[k].InWindow(r.Start, r.End.Sub(r.Start)) {
				if !has(r) {
					out[n] = r
					n++
				}
				break
			}
		}
	}
	for i := 0; i < q.n && n < max; i++ {
		if !has(q.r[i]) {
			out[n] = q.r[i]
			n++
		}
	}
	return n
}
