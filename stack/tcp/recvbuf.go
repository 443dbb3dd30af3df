package tcp

// recvBuf is the receive buffer: a ring holding in-order bytes the
// application has not read yet, followed by room for out-of-order bytes
// at their offsets beyond RCV.NXT. It grows by doubling up to limit.
type recvBuf struct {
	buf   []byte
	head  int // ring index of the first unread byte
	n     int // in-order unread bytes
	limit int // most bytes the buffer may hold, in order or not
}

// reserve grows the ring to hold need bytes from head, keeping span
// bytes (in-order data plus the out-of-order area) in place.
func (b *recvBuf) reserve(need, span int) {
	if need <= len(b.buf) {
		return
	}
	c := max(len(b.buf), minRing)
	for c < need {
		c *= 2
	}
	c = min(c, max(b.limit, need))
	nb := make([]byte, c)
	if span > 0 && len(b.buf) > 0 {
		old := len(b.buf)
		m := copy(nb[:span], b.buf[b.head:min(old, b.head+span)])
		if m < span {
			copy(nb[m:span], b.buf[:span-m])
		}
	}
	b.buf, b.head = nb, 0
}

// put stores p at offset off beyond the in-order data. span is the
// extent of data already stored beyond head (in order and not), kept when
// the ring grows. The caller has checked n+off+len(p) <= limit.
func (b *recvBuf) put(off int, p []byte, span int) {
	if len(p) == 0 {
		return
	}
	b.reserve(b.n+off+len(p), span)
	c := len(b.buf)
	pos := (b.head + b.n + off) % c
	m := copy(b.buf[pos:], p)
	if m < len(p) {
		copy(b.buf, p[m:])
	}
}

// read copies unread in-order bytes into p.
func (b *recvBuf) read(p []byte) int {
	k := min(len(p), b.n)
	if k == 0 {
		return 0
	}
	c := len(b.buf)
	m := copy(p[:k], b.buf[b.head:min(c, b.head+k)])
	if m < k {
		copy(p[m:k], b.buf[:k-m])
	}
	b.n -= k
	b.head = (b.head + k) % c
	return k
}
