package impair

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/tcpbox/tcpbox/nic"
)

// Streams of the PCG generator for each direction, so TX and RX draw
// independent numbers from one seed.
const (
	streamTX = 0x7478 // "tx"
	streamRX = 0x7278 // "rx"
)

// Link wraps a nic.Link with a Profile. Frames written go through the TX
// direction before reaching the wrapped link; frames read from it go
// through RX before ReadBatch returns them. A direction with a zero
// profile is a plain pass-through: no copy, no goroutine.
//
// Goroutines: when RX is active, a pump reads the wrapped link; when
// either direction is active, a scheduler releases delayed frames. Both
// belong to the Link and end in Close.
type Link struct {
	inner nic.Link
	start time.Time

	mu     sync.Mutex
	cond   sync.Cond // signals ready frames or close, for ReadBatch
	tx, rx *pipe     // nil when the direction is inactive
	closed bool

	// RX frames released and waiting for ReadBatch, and those lent to
	// its caller until the next call (both indices into rx's buffers).
	ready []int32
	lent  []int32

	txMu    sync.Mutex // held while taking due TX frames and writing them, keeping their order
	txBatch []nic.Frame
	txIdx   []int32

	wake      chan struct{} // pokes the scheduler: an earlier deadline may exist
	done      chan struct{} // closed by Close to end the goroutines
	closeOnce sync.Once
	closeErr  error
	wg        sync.WaitGroup

	txErrors uint64
}

var _ nic.Link = (*Link)(nil)

// Wrap returns link impaired by p, with every random decision drawn from
// seed. It panics on an invalid profile, a programming error; New returns
// the error instead, for profiles that come from users.
func Wrap(link nic.Link, p Profile, seed int64) *Link {
	l, err := New(link, p, seed)
	if err != nil {
		panic(err)
	}
	return l
}

// New is Wrap for a profile that may be invalid.
func New(link nic.Link, p Profile, seed int64) (*Link, error) {
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("impair: invalid profile: %w", err)
	}
	bufSize := link.MTU() + nic.EthernetHeaderLen
	if m, ok := link.(interface{ MaxFrameLen() int }); ok {
		// A link that carries GSO super-frames says how large they get.
		bufSize = max(bufSize, m.MaxFrameLen())
	}
	l := &Link{inner: link, start: time.Now(), wake: make(chan struct{}, 1), done: make(chan struct{})}
	l.cond.L = &l.mu
	if p.TX.Active() {
		l.tx = newPipe(p.TX, seed, streamTX, bufSize)
		l.txBatch = make([]nic.Frame, 0, 64)
		l.txIdx = make([]int32, 0, 64)
	}
	if p.RX.Active() {
		l.rx = newPipe(p.RX, seed, streamRX, bufSize)
		l.ready = make([]int32, 0, l.rx.d.Limit)
		l.lent = make([]int32, 0, 64)
		l.wg.Add(1)
		go l.pump()
	}
	if l.tx != nil || l.rx != nil {
		l.wg.Add(1)
		go l.schedule()
	}
	return l, nil
}

func (l *Link) now() int64 { return int64(time.Since(l.start)) }

// WriteBatch passes frames through the TX direction. Frames due at once
// are written to the wrapped link before it returns; the rest are written
// by the scheduler when due. Every frame counts as sent.
func (l *Link) WriteBatch(frames []nic.Frame) (int, error) {
	if l.tx == nil {
		return l.inner.WriteBatch(frames)
	}
	var tooBig error
	for i := range frames {
		if len(frames[i].Data) > l.tx.bufSize {
			// Send what precedes the bad frame, as a NIC would.
			tooBig = fmt.Errorf("impair: frame of %d bytes, limit %d: %w", len(frames[i].Data), l.tx.bufSize, nic.ErrTooBig)
			frames = frames[:i]
			break
		}
	}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return 0, nic.ErrClosed
	}
	now := l.now()
	for i := range frames {
		l.tx.offer(now, &frames[i])
	}
	l.mu.Unlock()
	err := l.flushTX(now)
	l.poke()
	if err != nil {
		// The wrapped link was closed under us: say so, as it would.
		return len(frames), err
	}
	return len(frames), tooBig
}

// flushTX writes the TX frames due by now, in release order. It returns
// nic.ErrClosed if the wrapped link reported it.
func (l *Link) flushTX(now int64) error {
	l.txMu.Lock()
	defer l.txMu.Unlock()
	var closed error
	for {
		l.mu.Lock()
		l.txBatch, l.txIdx = l.txBatch[:0], l.txIdx[:0]
		for len(l.txBatch) < cap(l.txBatch) {
			idx, ok := l.tx.pop(now)
			if !ok {
				break
			}
			l.txIdx = append(l.txIdx, idx)
			l.txBatch = append(l.txBatch, l.tx.frame(idx))
		}
		l.mu.Unlock()
		if len(l.txBatch) == 0 {
			return closed
		}
		// Frames the wrapped link refuses are lost like any other; the
		// error is counted, not returned to a writer who has left.
		if n, err := l.inner.WriteBatch(l.txBatch); err != nil || n < len(l.txBatch) {
			l.mu.Lock()
			l.txErrors++
			l.mu.Unlock()
			if errors.Is(err, nic.ErrClosed) {
				closed = err
			}
		}
		l.mu.Lock()
		for _, idx := range l.txIdx {
			l.tx.give(idx)
		}
		l.mu.Unlock()
	}
}

// ReadBatch returns frames that came through the RX direction, blocking
// until one is due or the link is closed. Data stays valid until the next
// ReadBatch.
func (l *Link) ReadBatch(frames []nic.Frame) (int, error) {
	if l.rx == nil {
		return l.inner.ReadBatch(frames)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, idx := range l.lent {
		l.rx.give(idx)
	}
	l.lent = l.lent[:0]
	if len(frames) == 0 {
		return 0, nil
	}
	for len(l.ready) == 0 && !l.closed {
		l.cond.Wait()
	}
	if l.closed {
		return 0, nic.ErrClosed
	}
	n := min(len(frames), len(l.ready))
	for i := 0; i < n; i++ {
		frames[i] = l.rx.frame(l.ready[i])
		l.lent = append(l.lent, l.ready[i])
	}
	rest := copy(l.ready, l.ready[n:])
	l.ready = l.ready[:rest]
	return n, nil
}

// pump reads the wrapped link and feeds the RX direction.
func (l *Link) pump() {
	defer l.wg.Done()
	batch := make([]nic.Frame, 64)
	for {
		n, err := l.inner.ReadBatch(batch)
		if err != nil {
			// The wrapped link is closed or broken: so is this one.
			l.mu.Lock()
			l.closed = true
			l.mu.Unlock()
			l.cond.Broadcast()
			return
		}
		l.mu.Lock()
		now := l.now()
		for i := 0; i < n; i++ {
			l.rx.offer(now, &batch[i])
		}
		l.releaseRX(now)
		l.mu.Unlock()
		l.poke()
	}
}

// releaseRX moves due RX frames to the ready queue. Caller holds mu.
func (l *Link) releaseRX(now int64) {
	moved := false
	for {
		idx, ok := l.rx.pop(now)
		if !ok {
			break
		}
		l.ready = append(l.ready, idx)
		moved = true
	}
	if moved {
		l.cond.Signal()
	}
}

func (l *Link) poke() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// schedule releases held frames when they fall due.
func (l *Link) schedule() {
	defer l.wg.Done()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		now := l.now()
		if l.tx != nil {
			l.flushTX(now)
		}
		l.mu.Lock()
		if l.rx != nil {
			l.releaseRX(now)
		}
		next := int64(-1)
		for _, p := range []*pipe{l.tx, l.rx} {
			if p == nil {
				continue
			}
			if at, ok := p.next(); ok && (next < 0 || at < next) {
				next = at
			}
		}
		l.mu.Unlock()
		wait := time.Hour
		if next >= 0 {
			wait = time.Duration(next - l.now())
		}
		if wait > 0 {
			timer.Reset(wait)
			select {
			case <-l.done:
				return
			case <-l.wake:
			case <-timer.C:
			}
		} else {
			select {
			case <-l.done:
				return
			default:
			}
		}
	}
}

// MTU is the wrapped link's.
func (l *Link) MTU() int { return l.inner.MTU() }

// MAC is the wrapped link's.
func (l *Link) MAC() [6]byte { return l.inner.MAC() }

// Stats returns the wrapped link's counters, with the frames this wrapper
// dropped added to TxDropped and RxDropped.
func (l *Link) Stats() nic.Stats {
	s := l.inner.Stats()
	tx, rx := l.Counters()
	s.TxDropped += tx.Dropped()
	s.RxDropped += rx.Dropped()
	l.mu.Lock()
	s.TxErrors += l.txErrors
	l.mu.Unlock()
	return s
}

// Counters returns what each direction did.
func (l *Link) Counters() (tx, rx Counters) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.tx != nil {
		tx = l.tx.counters()
	}
	if l.rx != nil {
		rx = l.rx.counters()
	}
	return tx, rx
}

// Close stops the goroutines, drops the frames still held and closes the
// wrapped link, waking a blocked ReadBatch. Closing twice is harmless.
func (l *Link) Close() error {
	l.closeOnce.Do(func() {
		l.mu.Lock()
		l.closed = true
		l.mu.Unlock()
		l.cond.Broadcast()
		l.closeErr = l.inner.Close()
		close(l.done)
		l.wg.Wait()
	})
	return l.closeErr
}
