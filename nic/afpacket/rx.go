//go:build linux

package afpacket

import (
	"errors"
	"os"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/tcpbox/tcpbox/nic"
)

// rxState is what ReadBatch reuses between calls: one buffer per batch
// slot and the recvmmsg vectors pointing at them. Only one goroutine
// reads at a time (the Link contract), so it needs no lock.
type rxState struct {
	l    *Link
	bufs [][]byte
	hdrs [][vnetHdrLen]byte
	iovs []unix.Iovec
	msgs []unix.Mmsghdr
	per  int   // iovecs per message: the vnet header's, then the buffer's
	slot []int // slot[n]: the buffer behind frames[n] of the last ReadBatch

	// spare holds buffers given back (TakeFrame's Release) for the next
	// TakeFrame, at most maxSpare.
	spareMu sync.Mutex
	spare   []*takenBuf

	want int   // slots offered to this recvmmsg
	got  int   // messages received
	err  error // errno of the last attempt
	fn   func(fd uintptr) bool

	// poll makes recv report an empty socket (empty = true) instead of
	// asking the poller to wait: the busy-poll phase of ReadBatch.
	poll, empty bool
}

func (r *rxState) init(l *Link, batch int) {
	r.l = l
	r.bufs = make([][]byte, batch)
	r.hdrs = make([][vnetHdrLen]byte, batch)
	per := 1
	if l.vnet {
		per = 2
	}
	r.per = per
	r.slot = make([]int, batch)
	r.iovs = make([]unix.Iovec, batch*per)
	r.msgs = make([]unix.Mmsghdr, batch)
	for i := range r.bufs {
		r.bufs[i] = make([]byte, l.maxRx)
		iov := r.iovs[i*per : i*per+per]
		if l.vnet {
			iov[0].Base = &r.hdrs[i][0]
			iov[0].SetLen(vnetHdrLen)
		}
		iov[per-1].Base = &r.bufs[i][0]
		iov[per-1].SetLen(len(r.bufs[i]))
		r.msgs[i].Hdr.Iov = &iov[0]
		r.msgs[i].Hdr.SetIovlen(per)
	}
	r.fn = r.recv
}

// recv runs inside RawConn.Read: false asks the poller to wait for the
// socket to become readable and call again.
func (r *rxState) recv(fd uintptr) bool {
	n, _, errno := unix.Syscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&r.msgs[0])), uintptr(r.want), unix.MSG_DONTWAIT, 0, 0)
	if errno == unix.EAGAIN || errno == unix.EINTR {
		if r.poll {
			r.got, r.err, r.empty = 0, nil, true
			return true
		}
		return false
	}
	if errno != 0 {
		r.got, r.err = 0, errno
		return true
	}
	r.got, r.err = int(n), nil
	return true
}

// ReadBatch blocks until frames arrive and returns up to len(frames) of
// them (at most Options.Batch per call). Data points into the Link's
// buffers, valid until the next ReadBatch. Errors of an interface going
// down or coming up (ENETDOWN) are counted and waited out.
func (l *Link) ReadBatch(frames []nic.Frame) (int, error) {
	l.rxMu.Lock()
	defer l.rxMu.Unlock()
	l.rxHeld = false // the last batch's frames are given back
	if l.closed.Load() {
		l.unmapRing() // Close left it while those frames were held
		return 0, nic.ErrClosed
	}
	if len(frames) == 0 {
		return 0, nil
	}
	if l.fring.mem != nil {
		n, err := l.readFrameRing(frames)
		l.rxHeld = n > 0
		return n, err
	}
	if l.ringMem != nil {
		n, err := l.readRing(frames)
		l.rxHeld = n > 0
		return n, err
	}
	r := &l.rx
	var pollUntil time.Time // the busy-poll phase's end, once started
	spins := 0
	r.poll = l.busy > 0
	for {
		r.want = min(len(frames), len(r.msgs))
		for i := 0; i < r.want; i++ {
			r.msgs[i].Hdr.Flags = 0
		}
		r.empty = false
		if err := l.rc.Read(r.fn); err != nil {
			if l.closed.Load() || errors.Is(err, os.ErrClosed) {
				return 0, nic.ErrClosed
			}
			return 0, err
		}
		if r.empty {
			now := time.Now()
			if pollUntil.IsZero() {
				pollUntil = now.Add(l.busy)
			}
			if now.After(pollUntil) || l.closed.Load() {
				r.poll = false // sleep in the poller from now on
				continue
			}
			spins++
			nic.BusyPause(spins)
			continue
		}
		if r.err != nil {
			if l.closed.Load() {
				return 0, nic.ErrClosed
			}
			// ENETDOWN (and the like) is reported once when the
			// interface goes down; the socket stays bound and receives
			// again when it comes back up.
			l.rxErrors.Add(1)
			if retryable(r.err) {
				continue
			}
			return 0, r.err
		}
		n := 0
		var bytes uint64
		for i := 0; i < r.got; i++ {
			m := &r.msgs[i]
			size := int(m.Len)
			if m.Hdr.Flags&unix.MSG_TRUNC != 0 {
				l.rxTrunc.Add(1)
				continue
			}
			var off nic.Offload
			if l.vnet {
				if size < vnetHdrLen {
					l.rxErrors.Add(1)
					continue
				}
				off = decodeVnet(r.hdrs[i][:])
				size -= vnetHdrLen
			}
			frames[n] = nic.Frame{Data: r.bufs[i][:size], Offload: off}
			r.slot[n] = i
			bytes += uint64(size)
			n++
		}
		l.rxFrames.Add(uint64(n))
		l.rxBytes.Add(bytes)
		if n > 0 {
			if spins > 0 && r.poll {
				l.busyHits.Add(1)
			}
			return n, nil
		}
	}
}

// maxSpare bounds the buffers kept for TakeFrame: one batch's worth.
// More given back than that go to the garbage collector.
const maxSpare = defaultBatch

// takenBuf is a receive buffer taken out of the link by TakeFrame.
type takenBuf struct {
	r *rxState
	b []byte
}

// Release gives the buffer back for a later TakeFrame to reuse.
func (t *takenBuf) Release() {
	r := t.r
	r.spareMu.Lock()
	if len(r.spare) < maxSpare {
		r.spare = append(r.spare, t)
	}
	r.spareMu.Unlock()
}

// spareBuf returns a given-back buffer, or a new one of size bytes.
func (r *rxState) spareBuf(size int) *takenBuf {
	var nb *takenBuf
	r.spareMu.Lock()
	if k := len(r.spare); k > 0 {
		nb = r.spare[k-1]
		r.spare[k-1] = nil
		r.spare = r.spare[:k-1]
	}
	r.spareMu.Unlock()
	if nb == nil {
		nb = &takenBuf{r: r, b: make([]byte, size)}
	}
	return nb
}

// spin busy-polls ready (a ring's next slot) for up to l.busy
// (nic.BusyPoll): true once ready says so, false when the time runs out
// or the link closes.
func (l *Link) spin(ready func(uintptr) bool) bool {
	return nic.BusyPoll(l.busy, func() (ok, done bool) {
		if ready(0) {
			return !l.closed.Load(), true
		}
		return false, l.closed.Load()
	})
}

// TakeFrame hands the buffer behind frames[i] of the last ReadBatch to
// the caller (nic.FrameTaker), putting a spare one, or a new one, in its
// place. Frames in a ring's slots or blocks live in memory shared with
// the kernel and cannot be taken: nil then (the frame ring's frames
// longer than a slot, read from the socket queue, can).
func (l *Link) TakeFrame(i int) nic.Releaser {
	r := &l.rx
	if l.fring.mem != nil {
		return l.takeQueued(i)
	}
	if l.ringMem != nil || r.bufs == nil || i < 0 || i >= len(r.slot) {
		return nil
	}
	nb := r.spareBuf(l.maxRx)
	s := r.slot[i]
	old := r.bufs[s]
	r.bufs[s] = nb.b
	iov := &r.iovs[s*r.per+r.per-1]
	iov.Base = &nb.b[0]
	iov.SetLen(len(nb.b))
	nb.b = old
	return nb
}
