package tcp

// recvBuf is the receive buffer: a ring holding in-order bytes the
// application has not read yet, followed by room for out-of-order bytes
// at their offsets beyond RCV.NXT. It grows by doubling up to limit.
//
// In-order bytes may also stay where they arrived: payloads taken over
// from the link (Segment.Lender), so that Read copies them once, into the
// application's buffer, instead of twice. While any is held, pieces
// lists the in-order stream in order: kept payloads and runs of the
// ring's in-order bytes. A payload is kept only when nothing out of
// order waits (keep), since out-of-order bytes sit in the ring right
// behind its in-order ones. The stack lends only large payloads (GSO
// super-frames with offloads on), so the memory a kept payload pins
// stays within a small multiple of the bytes it counts against the
// window.
type recvBuf struct {
	buf   []byte
	head  int // ring index of the first unread byte
	n     int // in-order unread bytes, kept and in the ring
	limit int // most bytes the buffer may hold, in order or not

	pieces []piece // the in-order stream from p0 on, while nc > 0 or p0 < len(pieces)
	p0     int
	nc     int // unread bytes in kept payloads
}

// piece is a kept payload's unread part and what gives its memory back,
// or (r nil) a run of ring bytes.
type piece struct {
	p    []byte
	r    Releaser
	ring int
}

// keep takes p, the next in-order bytes, over from lend if nothing out of
// order waits (span, as for put, is then n); false: the caller copies p
// with put and counts it with inOrder.
func (b *recvBuf) keep(p []byte, span int, lend PayloadLender) bool {
	if lend == nil || span != b.n || len(p) == 0 {
		return false
	}
	r := lend.TakePayload()
	if r == nil {
		return false
	}
	if b.p0 == len(b.pieces) {
		b.pieces, b.p0 = b.pieces[:0], 0
		if rn := b.n - b.nc; rn > 0 {
			b.pieces = append(b.pieces, piece{ring: rn})
		}
	}
	b.pieces = append(b.pieces, piece{p: p, r: r})
	b.nc += len(p)
	b.n += len(p)
	return true
}

// inOrder counts k more in-order bytes in the ring (copied at RCV.NXT,
// or out-of-order bytes a segment joined up).
func (b *recvBuf) inOrder(k int) {
	if k <= 0 {
		return
	}
	b.n += k
	if b.p0 == len(b.pieces) {
		return // no kept payload: the ring is the whole stream
	}
	if last := &b.pieces[len(b.pieces)-1]; last.r == nil {
		last.ring += k
		return
	}
	b.pieces = append(b.pieces, piece{ring: k})
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
// extent of data already stored (in order, kept or in the ring, and out
// of order); the ring's part of it is kept when the ring grows. The
// caller has checked n+off+len(p) <= limit.
func (b *recvBuf) put(off int, p []byte, span int) {
	if len(p) == 0 {
		return
	}
	rn := b.n - b.nc // in-order bytes in the ring
	b.reserve(rn+off+len(p), span-b.nc)
	c := len(b.buf)
	pos := (b.head + rn + off) % c
	m := copy(b.buf[pos:], p)
	if m < len(p) {
		copy(b.buf, p[m:])
	}
}

// read copies unread in-order bytes into p, in stream order: kept
// payloads (each given back once read) and the ring's bytes.
func (b *recvBuf) read(p []byte) int {
	if b.p0 == len(b.pieces) {
		return b.readRing(p, b.n)
	}
	done := 0
	for done < len(p) && b.p0 < len(b.pieces) {
		pc := &b.pieces[b.p0]
		if pc.r == nil {
			k := b.readRing(p[done:], pc.ring)
			pc.ring -= k
			done += k
		} else {
			m := copy(p[done:], pc.p)
			pc.p = pc.p[m:]
			done += m
			b.nc -= m
			b.n -= m
			if len(pc.p) == 0 {
				pc.r.Release()
			}
		}
		if pc.ring == 0 && len(pc.p) == 0 {
			*pc = piece{}
			b.p0++
		}
	}
	return done
}

// readRing copies up to max in-order bytes from the ring into p.
func (b *recvBuf) readRing(p []byte, max int) int {
	k := min(len(p), max)
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
