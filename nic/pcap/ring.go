package pcap

import (
	"bytes"
	"io"
	"sync"
	"time"
)

// RingOptions bound a Ring.
type RingOptions struct {
	// MaxBytes is the room for frame data; default 4 MiB. Frames are cut
	// to SnapLen first, so one frame never needs more than that.
	MaxBytes int
	// MaxFrames is the most frames kept; default 4096.
	MaxFrames int
	// SnapLen cuts each frame; default 65535, and never above MaxBytes.
	SnapLen int
	// Filter, if set, is called with each frame (which it must not keep);
	// only frames for which it returns true are kept.
	Filter func(frame []byte) bool
}

// Ring keeps the latest frames given to it within fixed bounds, dropping
// the oldest to make room. Its memory is allocated once, in NewRing. It is
// safe for concurrent use.
type Ring struct {
	mu      sync.Mutex
	opt     RingOptions
	data    []byte
	ents    []ringEntry // circular, oldest at first
	first   int
	count   int
	seen    uint64 // frames offered
	kept    uint64 // frames stored (some since evicted)
	evicted uint64
}

type ringEntry struct {
	ts      time.Time
	off     int
	n       int
	origLen int
}

// NewRing allocates a ring.
func NewRing(o RingOptions) *Ring {
	if o.MaxBytes <= 0 {
		o.MaxBytes = 4 << 20
	}
	if o.MaxFrames <= 0 {
		o.MaxFrames = 4096
	}
	if o.SnapLen <= 0 {
		o.SnapLen = 65535
	}
	o.SnapLen = min(o.SnapLen, o.MaxBytes)
	return &Ring{opt: o, data: make([]byte, o.MaxBytes), ents: make([]ringEntry, o.MaxFrames)}
}

// WriteFrame offers a frame to the ring. It never fails. Empty frames
// carry nothing to record and are not kept.
func (r *Ring) WriteFrame(ts time.Time, frame []byte) error {
	if len(frame) == 0 || r.opt.Filter != nil && !r.opt.Filter(frame) {
		r.mu.Lock()
		r.seen++
		r.mu.Unlock()
		return nil
	}
	data := frame
	if len(data) > r.opt.SnapLen {
		data = data[:r.opt.SnapLen]
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen++
	if r.count == len(r.ents) {
		r.evictOldest()
	}
	off := -1
	for off < 0 {
		off = r.place(len(data))
		if off < 0 {
			r.evictOldest()
		}
	}
	copy(r.data[off:], data)
	r.ents[(r.first+r.count)%len(r.ents)] = ringEntry{ts: ts, off: off, n: len(data), origLen: len(frame)}
	r.count++
	r.kept++
	return nil
}

// place returns where n bytes fit behind the newest entry without
// overlapping the oldest, or -1. Stored data is one run from the oldest
// entry's offset to the newest's end, possibly wrapping once past the
// end of r.data. Every entry holds at least one byte, so two distinct
// entries never share an offset and the comparison below tells whether
// the run wraps.
func (r *Ring) place(n int) int {
	if r.count == 0 {
		return 0 // n <= SnapLen <= len(r.data)
	}
	oldest := r.ents[r.first]
	newest := r.ents[(r.first+r.count-1)%len(r.ents)]
	end := newest.off + newest.n
	if newest.off >= oldest.off { // not wrapped: data in [oldest.off, end)
		if end+n <= len(r.data) {
			return end
		}
		if n <= oldest.off {
			return 0
		}
		return -1
	}
	// Wrapped: data in [oldest.off, len) and [0, end).
	if end+n <= oldest.off {
		return end
	}
	return -1
}

func (r *Ring) evictOldest() {
	r.first = (r.first + 1) % len(r.ents)
	r.count--
	r.evicted++
}

// RingStats are a ring's counters.
type RingStats struct {
	Seen, Kept, Evicted uint64 // offered, stored, pushed out by newer
	Frames, Bytes       int    // held now
}

// Stats returns the ring's counters.
func (r *Ring) Stats() RingStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := RingStats{Seen: r.seen, Kept: r.kept, Evicted: r.evicted, Frames: r.count}
	for i := 0; i < r.count; i++ {
		s.Bytes += r.ents[(r.first+i)%len(r.ents)].n
	}
	return s
}

// Reset forgets every frame held.
func (r *Ring) Reset() {
	r.mu.Lock()
	r.first, r.count = 0, 0
	r.mu.Unlock()
}

// WriteTo writes the frames held now, oldest first, as a pcap stream. It
// copies them under the lock and writes outside it, so a slow client
// does not stall the frames being recorded.
func (r *Ring) WriteTo(w io.Writer) (int64, error) {
	var buf bytes.Buffer
	r.mu.Lock()
	size := fileHeaderLen
	for i := 0; i < r.count; i++ {
		size += recordHeaderLen + r.ents[(r.first+i)%len(r.ents)].n
	}
	buf.Grow(size)
	var h [fileHeaderLen]byte
	putFileHeader(h[:], r.opt.SnapLen)
	buf.Write(h[:])
	for i := 0; i < r.count; i++ {
		e := r.ents[(r.first+i)%len(r.ents)]
		putRecordHeader(h[:recordHeaderLen], e.ts, e.n, e.origLen)
		buf.Write(h[:recordHeaderLen])
		buf.Write(r.data[e.off : e.off+e.n])
	}
	r.mu.Unlock()
	return buf.WriteTo(w)
}
