package tcp

// sendBuf is the send buffer: a ring holding bytes written by the
// application and not yet acknowledged. It grows by doubling up to limit,
// so an idle connection holds little memory and a busy one stops
// allocating once it has reached its working size. Segments emitted by
// the connection point into the ring.
type sendBuf struct {
	buf   []byte
	head  int // ring index of the first held byte
	n     int // bytes held
	limit int // most bytes the buffer may hold
}

const minRing = 1024

func (b *sendBuf) free() int { return b.limit - b.n }

// write copies as much of p as fits and returns the count.
func (b *sendBuf) write(p []byte) int {
	k := min(len(p), b.free())
	if k <= 0 {
		return 0
	}
	b.reserve(b.n + k)
	c := len(b.buf)
	tail := (b.head + b.n) % c
	m := copy(b.buf[tail:], p[:k])
	if m < k {
		copy(b.buf, p[m:k])
	}
	b.n += k
	return k
}

// reserve grows the ring to hold need bytes, keeping the held bytes.
func (b *sendBuf) reserve(need int) {
	if need <= len(b.buf) {
		return
	}
	c := max(len(b.buf), minRing)
	for c < need {
		c *= 2
	}
	c = min(c, max(b.limit, need))
	nb := make([]byte, c)
	b.copyOut(nb, 0, b.n)
	b.buf, b.head = nb, 0
}

// copyOut copies n held bytes starting at offset off into dst.
func (b *sendBuf) copyOut(dst []byte, off, n int) {
	if n == 0 {
		return
	}
	c := len(b.buf)
	start := (b.head + off) % c
	m := copy(dst[:n], b.buf[start:min(c, start+n)])
	if m < n {
		copy(dst[m:n], b.buf[:n-m])
	}
}

// slice returns up to max held bytes from offset off, contiguous in the
// ring (a run that wraps is cut at the end of the ring).
func (b *sendBuf) slice(off, max int) []byte {
	if off >= b.n || max <= 0 {
		return nil
	}
	n := min(max, b.n-off)
	c := len(b.buf)
	start := (b.head + off) % c
	if start+n > c {
		n = c - start
	}
	return b.buf[start : start+n]
}

// consume drops k bytes from the front (they were acknowledged).
func (b *sendBuf) consume(k int) {
	if k <= 0 {
		return
	}
	b.n -= k
	if b.n == 0 {
		b.head = 0
		return
	}
	b.head = (b.head + k) % len(b.buf)
}
