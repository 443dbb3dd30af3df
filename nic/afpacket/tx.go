//go:build linux

package afpacket

import (
	"fmt"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/tcpbox/tcpbox/nic"
)

// txStates are the sendmmsg vectors of the WriteBatch calls in progress.
// WriteBatch may be called from several goroutines; each call takes a
// txState of its own, so their system calls run side by side (the stack
// keeps the frames of one flow in one call at a time). One txState is
// made with the link, more only when calls overlap, up to maxTxStates;
// a call beyond that waits for one to be free.
type txStates struct {
	free  chan *txState
	made  atomic.Int32
	batch int
}

// maxTxStates bounds the WriteBatch calls in system calls at once.
const maxTxStates = 4

func (ts *txStates) init(l *Link, batch int) {
	ts.batch = batch
	ts.free = make(chan *txState, maxTxStates)
	t := new(txState)
	t.init(l, batch)
	ts.made.Store(1)
	ts.free <- t
}

// get takes a free txState, making one if all are busy and fewer than
// maxTxStates exist.
func (ts *txStates) get(l *Link) *txState {
	select {
	case t := <-ts.free:
		return t
	default:
	}
	if ts.made.Add(1) <= maxTxStates {
		t := new(txState)
		t.init(l, ts.batch)
		return t
	}
	ts.made.Add(-1)
	return <-ts.free
}

func (ts *txStates) put(t *txState) { ts.free <- t }

// txState holds one WriteBatch call's sendmmsg vectors.
type txState struct {
	l    *Link
	hdrs [][vnetHdrLen]byte
	iovs []unix.Iovec
	msgs []unix.Mmsghdr
	per  int

	from, count int // slice of msgs for this sendmmsg
	sent        int
	err         unix.Errno
	fn          func(fd uintptr)
}

// Each message has per iovec slots: the virtio_net_hdr (with
// PACKET_VNET_HDR), the frame's Data, and with PACKET_VNET_HDR up to
// nic.MaxTail slices of its Tail (Gathers).
func (t *txState) init(l *Link, batch int) {
	t.l = l
	t.per = 1
	if l.vnet {
		t.per = 2 + nic.MaxTail
	}
	t.hdrs = make([][vnetHdrLen]byte, batch)
	t.iovs = make([]unix.Iovec, batch*t.per)
	t.msgs = make([]unix.Mmsghdr, batch)
	for i := range t.msgs {
		iov := t.iovs[i*t.per : i*t.per+t.per]
		if l.vnet {
			iov[0].Base = &t.hdrs[i][0]
			iov[0].SetLen(vnetHdrLen)
		}
		t.msgs[i].Hdr.Iov = &iov[0]
	}
	t.fn = t.send
}

// data returns message k's iovec slots after the virtio_net_hdr.
func (t *txState) data(k int) []unix.Iovec {
	iov := t.iovs[k*t.per : k*t.per+t.per]
	if t.l.vnet {
		return iov[1:]
	}
	return iov
}

// Gathers reports whether WriteBatch takes frames with a Tail: with
// PACKET_VNET_HDR, the only mode in which the stack sends super-segments,
// whose payload is what a Tail carries.
func (l *Link) Gathers() bool { return l.vnet }

func (t *txState) send(fd uintptr) {
	n, _, errno := unix.Syscall6(unix.SYS_SENDMMSG, fd, uintptr(unsafe.Pointer(&t.msgs[t.from])), uintptr(t.count), unix.MSG_DONTWAIT, 0, 0)
	t.sent, t.err = int(n), errno
	if errno != 0 {
		t.sent = 0
	}
}

// limit is the largest frame WriteBatch takes: MTU plus the Ethernet
// header, plus 4 for a frame with an 802.1Q or 802.1ad tag (the kernel
// allows the tag beyond the MTU, and only then), or a GSO super-frame
// whose Offload says how to cut it.
func (l *Link) limit(f *nic.Frame) int {
	if l.vnet && f.Offload.GSOType != 0 {
		return maxGSOFrame
	}
	max := l.mtu + nic.EthernetHeaderLen
	if len(f.Data) >= 14 {
		if t := uint16(f.Data[12])<<8 | uint16(f.Data[13]); t == 0x8100 || t == 0x88a8 {
			max += 4
		}
	}
	return max
}

// WriteBatch sends frames in order with as few sendmmsg calls as the
// batch size allows. It never blocks on a full socket: frames the kernel
// will not take now (EAGAIN, ENOBUFS) or cannot send (ENETDOWN, ENXIO:
// the interface is down) count as sent and in TxDropped. A frame longer
// than the MTU stops the batch: the frames before it are sent and the
// error wraps nic.ErrTooBig. Without PACKET_VNET_HDR, Offload is ignored.
func (l *Link) WriteBatch(frames []nic.Frame) (int, error) {
	if l.closed.Load() {
		return 0, nic.ErrClosed
	}
	t := l.tx.get(l)
	defer l.tx.put(t)
	done := 0
	for done < len(frames) {
		k := 0
		var bytes uint64
		var tooBig error // stops the batch after the frames before it
		for k < len(t.msgs) && done+k < len(frames) {
			f := &frames[done+k]
			size := f.Len()
			if size > l.limit(f) {
				tooBig = fmt.Errorf("afpacket: %s: frame of %d bytes, limit %d: %w", l.name, size, l.limit(f), nic.ErrTooBig)
				break
			}
			if len(f.Data) < nic.EthernetHeaderLen {
				tooBig = fmt.Errorf("afpacket: %s: frame of %d bytes, shorter than an Ethernet header", l.name, len(f.Data))
				break
			}
			iov := t.data(k)
			if len(f.Tail) > len(iov)-1 {
				tooBig = fmt.Errorf("afpacket: %s: frame in %d pieces, this link takes at most %d", l.name, 1+len(f.Tail), len(iov))
				break
			}
			iov[0].Base = &f.Data[0]
			iov[0].SetLen(len(f.Data))
			n := 1
			for _, p := range f.Tail {
				if len(p) > 0 {
					iov[n].Base = &p[0]
					iov[n].SetLen(len(p))
					n++
				}
			}
			t.msgs[k].Hdr.SetIovlen(t.per - len(iov) + n)
			if l.vnet {
				encodeVnet(t.hdrs[k][:], &f.Offload)
			}
			bytes += uint64(size)
			k++
		}
		if k > 0 {
			if err := l.sendAll(t, k); err != nil {
				return done, err
			}
			l.txFrames.Add(uint64(k))
			l.txBytes.Add(bytes)
			done += k
		}
		if tooBig != nil {
			return done, tooBig
		}
	}
	return done, nil
}

// sendAll sends t.msgs[0:k], dropping and counting what the kernel
// refuses.
func (l *Link) sendAll(t *txState, k int) error {
	defer func() {
		// Do not keep the caller's buffers reachable.
		for i := 0; i < k; i++ {
			iov := t.data(i)
			for j := range iov {
				iov[j].Base = nil
			}
		}
	}()
	t.from = 0
	for t.from < k {
		t.count = k - t.from
		if err := l.rc.Control(t.fn); err != nil {
			return nic.ErrClosed
		}
		switch {
		case t.err == 0:
			t.from += t.sent
		case t.err == unix.EAGAIN || t.err == unix.ENOBUFS || retryable(t.err):
			// No room or no link: like a NIC, drop the rest.
			l.txDropped.Add(uint64(k - t.from))
			return nil
		default:
			// This frame failed (EMSGSIZE, EINVAL on a bad offload
			// header, ...); count it and go on with the next.
			l.txErrors.Add(1)
			l.txDropped.Add(1)
			t.from++
		}
	}
	return nil
}
