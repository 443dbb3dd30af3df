//go:build linux

package afpacket

import (
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// RxPending reports whether a received frame waits for the next
// ReadBatch: in the frame ring (the default), whether the kernel has
// handed over the slot the next ReadBatch reads first; otherwise whether
// the socket's receive queue holds one (SIOCINQ: the length of the
// queue's first packet). The stack asks before letting a retransmission
// timer act, since an ACK among those frames would make the
// retransmission spurious. In Ring mode frames wait in the mmap ring's
// blocks instead, which only the reading goroutine may look at, and it
// reports false. Safe for concurrent use with ReadBatch.
func (l *Link) RxPending() bool {
	// ring.blockSize and fring.slots are set in Open and never changed:
	// unlike ringMem, which Close clears, they may be read beside Close.
	if l.ring.blockSize != 0 || l.closed.Load() {
		return false
	}
	if r := &l.fring; r.slots != 0 {
		// pendMu keeps Close from unmapping the ring meanwhile. A
		// ReadBatch in progress may have read the slot already (next
		// is published at its end): then this says true, and the
		// caller waits for that ReadBatch, which is no harm.
		l.pendMu.Lock()
		defer l.pendMu.Unlock()
		return l.ringMem != nil && atomic.LoadUint32(r.status(int(r.next.Load())))&unix.TP_STATUS_USER != 0
	}
	n := 0
	err := l.rc.Control(func(fd uintptr) {
		n, _ = unix.IoctlGetInt(int(fd), unix.SIOCINQ)
	})
	return err == nil && n > 0
}
