package tcp

// Seq is a TCP sequence number. Sequence space wraps at 2^32, so numbers
// are compared only through these methods, which treat the distance
// between two numbers as a signed 32-bit value (RFC 9293 §3.4: "all
// arithmetic dealing with sequence numbers must be performed modulo
// 2**32"). Two numbers more than 2^31 apart cannot be ordered; TCP's
// windows keep live numbers far closer than that.
type Seq uint32

// Add returns s advanced by n bytes (n may be negative).
func (s Seq) Add(n int) Seq { return s + Seq(uint32(int32(n))) }

// Sub returns the signed distance s - o.
func (s Seq) Sub(o Seq) int { return int(int32(uint32(s - o))) }

// LessThan reports s < o in sequence space.
func (s Seq) LessThan(o Seq) bool { return int32(uint32(s-o)) < 0 }

// LessEq reports s <= o in sequence space.
func (s Seq) LessEq(o Seq) bool { return int32(uint32(s-o)) <= 0 }

// GreaterThan reports s > o in sequence space.
func (s Seq) GreaterThan(o Seq) bool { return int32(uint32(s-o)) > 0 }

// GreaterEq reports s >= o in sequence space.
func (s Seq) GreaterEq(o Seq) bool { return int32(uint32(s-o)) >= 0 }

// InWindow reports start <= s < start+size. A zero size holds nothing.
func (s Seq) InWindow(start Seq, size int) bool {
	if size <= 0 {
		return false
	}
	return uint32(s-start) < uint32(size)
}

// MaxSeq returns the later of a and b.
func MaxSeq(a, b Seq) Seq {
	if a.LessThan(b) {
		return b
	}
	return a
}

// MinSeq returns the earlier of a and b.
func MinSeq(a, b Seq) Seq {
	if a.LessThan(b) {
		return a
	}
	return b
}
