//go:build linux

package afpacket

import "golang.org/x/sys/unix"

// RxPending reports whether a received frame waits in the socket's
// receive queue for the next ReadBatch (SIOCINQ: the length of the
// queue's first packet). The stack asks before letting a retransmission
// timer act, since an ACK among those frames would make the
// retransmission spurious. In Ring mode frames wait in the mmap ring's
// blocks instead, which only the reading goroutine may look at, and it
// reports false. Safe for concurrent use with ReadBatch.
func (l *Link) RxPending() bool {
	// ring.blockSize is set in Open and never changed: unlike ringMem,
	// which Close clears, it may be read beside Close.
	if l.ring.blockSize != 0 || l.closed.Load() {
		return false
	}
	n := 0
	err := l.rc.Control(func(fd uintptr) {
		n, _ = unix.IoctlGetInt(int(fd), unix.SIOCINQ)
	})
	return err == nil && n > 0
}
