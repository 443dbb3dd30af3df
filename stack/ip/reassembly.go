package ip

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"time"

	"github.com/tcpbox/tcpbox/stack/wire"
)

// Reassembly (RFC 791 §3.2 "Reassembly", with RFC 815's hole bookkeeping:
// the received data is a sorted list of disjoint ranges, the holes are the
// gaps, and the datagram is complete when one range covers [0, total)).
// Fragments are matched by (source, destination, protocol, identification)
// (RFC 791 §2.3).
//
// Bounds: every datagram under reassembly holds one buffer sized to the
// highest byte seen so far; the buffers together never exceed MaxBytes
// (the oldest datagram is evicted to make room), there are at most
// MaxDatagrams of them, and each lives at most Timeout after its first
// fragment (RFC 1122 §3.3.2: a fixed timeout; 30 s by default, between
// RFC 791's 15 s lower bound and RFC 1122's 60-120 s).
//
// Overlaps: a fragment that partly overlaps data already received drops
// the whole datagram, as Linux does since 2018, because overlapping
// fragments are used to slip data past filters (RFC 1858 §4); an exact
// duplicate is ignored.

// Reassembly errors.
var (
	ErrFragTooBig    = errors.New("ip: reassembled datagram would exceed 65535 bytes")
	ErrFragBadLength = errors.New("ip: non-final fragment not a multiple of 8 bytes")
	ErrFragOverlap   = errors.New("ip: overlapping fragment")
	ErrFragMemory    = errors.New("ip: reassembly memory exhausted")
	ErrFragMismatch  = errors.New("ip: inconsistent final fragment")
	ErrFragDuplicate = errors.New("ip: duplicate fragment")
)

// ReassemblyConfig bounds reassembly. Zero fields take the defaults.
type ReassemblyConfig struct {
	MaxBytes     int           // default 4 MiB
	MaxDatagrams int           // default 256
	Timeout      time.Duration // default 30 s
}

type fragKey struct {
	src, dst netip.Addr
	id       uint16
	proto    uint8
}

type span struct{ start, end int }

type partial struct {
	key      fragKey
	first    time.Duration
	buf      []byte // header room (60 bytes) + data
	hdrLen   int    // header of the offset-0 fragment, 0 until it arrives
	total    int    // data length, -1 until the final fragment arrives
	spans    []span
	prev     *partial // age order
	next     *partial
	accounts int // bytes charged against MaxBytes
}

// Reassembler holds datagrams under reassembly. It is not safe for
// concurrent use.
type Reassembler struct {
	cfg          ReassemblyConfig
	m            map[fragKey]*partial
	oldest, last *partial
	bytes        int
	done         *partial // the datagram returned by the last Add
	free         []*partial
}

// NewReassembler returns an empty reassembler.
func NewReassembler(cfg ReassemblyConfig) *Reassembler {
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = 4 << 20
	}
	if cfg.MaxDatagrams <= 0 {
		cfg.MaxDatagrams = 256
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	return &Reassembler{cfg: cfg, m: make(map[fragKey]*partial)}
}

// Add takes one fragment. When it completes a datagram, Add returns the
// whole datagram (the first fragment's header with MF and offset cleared,
// total length and checksum fixed, then all the data), valid until the
// next call to Add. Otherwise it returns nil, and an error when the
// fragment (or its datagram) was dropped.
func (r *Reassembler) Add(now time.Duration, frag wire.IPv4) (wire.IPv4, error) {
	if r.done != nil {
		r.recycle(r.done)
		r.done = nil
	}
	off, data := frag.FragOffset(), frag.Payload()
	end := off + len(data)
	if frag.MF() && len(data)%8 != 0 {
		return nil, ErrFragBadLength
	}
	if end > 0xffff-wire.IPv4MinHeaderLen {
		return nil, ErrFragTooBig
	}
	k := fragKey{frag.Src(), frag.Dst(), frag.ID(), frag.Protocol()}
	p := r.m[k]
	if p == nil {
		if len(r.m) >= r.cfg.MaxDatagrams {
			r.drop(r.oldest)
		}
		p = r.alloc()
		p.key, p.first, p.hdrLen, p.total = k, now, 0, -1
		r.m[k] = p
		r.pushBack(p)
	}
	if !frag.MF() {
		if p.total >= 0 && p.total != end || end < p.maxEnd() {
			r.drop(p)
			return nil, ErrFragMismatch
		}
		p.total = end
	} else if p.total >= 0 && end > p.total {
		r.drop(p)
		return nil, ErrFragMismatch
	}
	dup, overlap := p.insert(off, end)
	if overlap {
		r.drop(p)
		return nil, ErrFragOverlap
	}
	if dup {
		return nil, ErrFragDuplicate
	}
	need := wire.IPv4MaxHeaderLen + end
	if need > len(p.buf) {
		if !r.grow(p, need) {
			r.drop(p)
			return nil, ErrFragMemory
		}
	}
	copy(p.buf[wire.IPv4MaxHeaderLen+off:], data)
	if off == 0 {
		h := frag.Header()
		p.hdrLen = len(h)
		copy(p.buf[wire.IPv4MaxHeaderLen-len(h):], h)
	}
	if p.total < 0 || len(p.spans) != 1 || p.spans[0] != (span{0, p.total}) {
		return nil, nil
	}
	if p.hdrLen+p.total > 0xffff {
		// The first fragment's options push the whole beyond what a
		// total length field can say (RFC 791: 65535 octets at most).
		r.drop(p)
		return nil, ErrFragTooBig
	}
	// Complete: fix up the first fragment's header in place.
	r.unlink(p)
	h := p.buf[wire.IPv4MaxHeaderLen-p.hdrLen : wire.IPv4MaxHeaderLen]
	binary.BigEndian.PutUint16(h[2:], uint16(p.hdrLen+p.total))
	binary.BigEndian.PutUint16(h[6:], binary.BigEndian.Uint16(h[6:])&0x4000) // keep DF, clear MF and offset
	h[10], h[11] = 0, 0
	binary.BigEndian.PutUint16(h[10:], wire.Checksum(h, 0))
	r.done = p
	return wire.IPv4(p.buf[wire.IPv4MaxHeaderLen-p.hdrLen : wire.IPv4MaxHeaderLen+p.total]), nil
}

func (p *partial) maxEnd() int {
	if len(p.spans) == 0 {
		return 0
	}
	return p.spans[len(p.spans)-1].end
}

// insert merges [start, end) into the sorted spans; it reports a fragment
// wholly inside received data (dup) or partly overlapping it (overlap).
func (p *partial) insert(start, end int) (dup, overlap bool) {
	if start == end {
		return true, false // no data (a zero-length final fragment is legal but adds nothing)
	}
	i := 0
	for i < len(p.spans) && p.spans[i].end <= start {
		i++
	}
	// spans[i] is the first span ending after start.
	if i < len(p.spans) && p.spans[i].start < end {
		if p.spans[i].start <= start && end <= p.spans[i].end {
			return true, false
		}
		return false, true
	}
	p.spans = append(p.spans, span{})
	copy(p.spans[i+1:], p.spans[i:])
	p.spans[i] = span{start, end}
	// Merge with neighbours that touch.
	if i+1 < len(p.spans) && p.spans[i].end == p.spans[i+1].start {
		p.spans[i].end = p.spans[i+1].end
		p.spans = append(p.spans[:i+1], p.spans[i+2:]...)
	}
	if i > 0 && p.spans[i-1].end == p.spans[i].start {
		p.spans[i-1].end = p.spans[i].end
		p.spans = append(p.spans[:i], p.spans[i+1:]...)
	}
	return false, false
}

func (r *Reassembler) grow(p *partial, need int) bool {
	size := max(2*len(p.buf), 2048)
	size = min(max(size, need), wire.IPv4MaxHeaderLen+0xffff)
	extra := size - p.accounts
	for r.bytes+extra > r.cfg.MaxBytes {
		if r.oldest == nil || r.oldest == p {
			if r.oldest == p && p.next != nil {
				r.drop(p.next)
				continue
			}
			return false
		}
		r.drop(r.oldest)
	}
	nb := make([]byte, size)
	copy(nb, p.buf)
	p.buf = nb
	r.bytes += extra
	p.accounts = size
	return true
}

// Expire drops datagrams older than the timeout. For each expired datagram
// whose first fragment had arrived, timeExceeded gets that fragment's
// header and the first 8 bytes of its data, for the ICMP Time Exceeded
// message RFC 792 and RFC 1122 §3.3.2 call for (the slice is valid during
// the call only).
func (r *Reassembler) Expire(now time.Duration, timeExceeded func(orig []byte)) {
	for r.oldest != nil && now-r.oldest.first >= r.cfg.Timeout {
		p := r.oldest
		if p.hdrLen > 0 && timeExceeded != nil {
			n := 8
			if len(p.spans) > 0 && p.spans[0].start == 0 {
				n = min(n, p.spans[0].end)
			}
			timeExceeded(p.buf[wire.IPv4MaxHeaderLen-p.hdrLen : wire.IPv4MaxHeaderLen+n])
		}
		r.drop(p)
	}
}

// NextDeadline is when the oldest datagram expires, or 0 for none.
func (r *Reassembler) NextDeadline() time.Duration {
	if r.oldest == nil {
		return 0
	}
	return r.oldest.first + r.cfg.Timeout
}

// Pending is the number of datagrams under reassembly.
func (r *Reassembler) Pending() int { return len(r.m) }

// Bytes is the buffer memory held by datagrams under reassembly.
func (r *Reassembler) Bytes() int { return r.bytes }

func (r *Reassembler) drop(p *partial) {
	r.unlink(p)
	r.recycle(p)
}

func (r *Reassembler) unlink(p *partial) {
	delete(r.m, p.key)
	if p.prev != nil {
		p.prev.next = p.next
	} else {
		r.oldest = p.next
	}
	if p.next != nil {
		p.next.prev = p.prev
	} else {
		r.last = p.prev
	}
	p.prev, p.next = nil, nil
}

func (r *Reassembler) pushBack(p *partial) {
	p.prev = r.last
	if r.last != nil {
		r.last.next = p
	} else {
		r.oldest = p
	}
	r.last = p
}

// recycle returns the buffer's memory to the budget and keeps a few
// partials for reuse, so steady fragmented traffic does not allocate.
func (r *Reassembler) recycle(p *partial) {
	r.bytes -= p.accounts
	p.accounts = 0
	p.spans = p.spans[:0]
	if len(r.free) < 4 && len(p.buf) <= 16<<10 {
		r.free = append(r.free, p)
		return
	}
	p.buf = nil
}

func (r *Reassembler) alloc() *partial {
	if n := len(r.free); n > 0 {
		p := r.free[n-1]
		r.free = r.free[:n-1]
		// Its buffer is charged again when kept.
		if len(p.buf) > 0 && r.bytes+len(p.buf) <= r.cfg.MaxBytes {
			r.bytes += len(p.buf)
			p.accounts = len(p.buf)
		} else {
			p.buf = nil
		}
		return p
	}
	return &partial{}
}
