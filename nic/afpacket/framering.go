//go:build linux

package afpacket

import (
	"fmt"
	"os"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/tcpbox/tcpbox/nic"
)

// The TPACKET_V2 receive ring (the default; Options.Recvmmsg and
// Options.Ring choose the others): a ring of fixed-size
// slots, one frame each. Unlike TPACKET_V3, whose blocks reach the reader
// only when full or after a timeout of at least 1 ms, the kernel hands
// over every slot as soon as the frame is in it and wakes the reader per
// frame (tpacket_rcv calls sk_data_ready for V1/V2), so a lone ACK or
// request is not delayed; while frames keep coming the reader makes no
// system call at all, and the copy from the sk_buff happens in the
// sender's softirq instead of in recvmmsg.
//
// A frame longer than a slot (a GRO super-frame with offloads on) cannot
// sit in the ring. With PACKET_COPY_THRESH set, the kernel then puts the
// head of the frame in the slot marked TP_STATUS_COPY and queues the whole
// frame on the socket's ordinary receive queue, in the same order; the
// reader takes it from there with one recvmsg into a buffer of its own.

// Offsets in struct tpacket2_hdr (include/uapi/linux/if_packet.h):
// u32 tp_status, tp_len, tp_snaplen; u16 tp_mac, tp_net; u32 tp_sec,
// tp_nsec; u16 tp_vlan_tci, tp_vlan_tpid; u8 tp_padding[4].
const (
	v2StatusOff  = 0
	v2LenOff     = 4
	v2SnaplenOff = 8
	v2MacOff     = 12
	v2SecOff     = 16
	v2NsecOff    = 20

	// v2Headroom bounds the slot's bytes in front of the frame: the
	// aligned tpacket2_hdr and sockaddr_ll (52 bytes, padded to 80 with
	// the 16 the kernel reserves for the MAC header) and the vnet header.
	v2Headroom = 96
	// minSlot is the smallest slot: an MTU-1500 frame with a VLAN tag
	// fits with room to spare.
	minSlot = 2048
	// v2BlockSize is the size of one kernel allocation of slots.
	v2BlockSize = 64 << 10
)

// slotSize is the smallest power of two, at least minSlot, that holds an
// MTU-sized frame (with VLAN tag) behind the slot's headers.
func slotSize(mtu int) int {
	need := v2Headroom + mtu + nic.EthernetHeaderLen + 4
	s := minSlot
	for s < need {
		s *= 2
	}
	return s
}

// setupFrameRing switches the socket to TPACKET_V2 and maps a receive ring
// of o.FrameRingSlots slots (by default ringBudget's worth) sized for
// mtu. The caller has set PACKET_VNET_HDR already (it cannot change once
// a ring exists).
func setupFrameRing(fd, mtu int, o *Options) (mem []byte, slot int, err error) {
	slot = slotSize(mtu)
	slots := o.FrameRingSlots
	if slots <= 0 {
		slots = max(minRingSlots, ringBudget/slot)
	}
	block := max(v2BlockSize, slot, os.Getpagesize())
	perBlock := block / slot
	blocks := (slots + perBlock - 1) / perBlock
	if blocks*block > 1<<30 {
		return nil, 0, fmt.Errorf("ring of %d slots of %d bytes above 1 GiB", slots, slot)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_VERSION, unix.TPACKET_V2); err != nil {
		return nil, 0, fmt.Errorf("PACKET_VERSION: %w", err)
	}
	// Any nonzero threshold enables the queued copy of frames longer
	// than a slot (the kernel compares nothing else against it).
	if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_COPY_THRESH, 1); err != nil {
		return nil, 0, fmt.Errorf("PACKET_COPY_THRESH: %w", err)
	}
	req := unix.TpacketReq{
		Block_size: uint32(block),
		Block_nr:   uint32(blocks),
		Frame_size: uint32(slot),
		Frame_nr:   uint32(blocks * perBlock),
	}
	if err := unix.SetsockoptTpacketReq(fd, unix.SOL_PACKET, unix.PACKET_RX_RING, &req); err != nil {
		return nil, 0, fmt.Errorf("PACKET_RX_RING: %w", err)
	}
	mem, err = unix.Mmap(fd, 0, blocks*block, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return nil, 0, fmt.Errorf("mmap: %w", err)
	}
	return mem, slot, nil
}

// frameRing walks the slots in order. Slots handed to the caller go back
// to the kernel at the start of the next ReadBatch, so the frames stay
// valid until then, as the Link contract says. Only the reader (under
// Link.rxMu) touches it.
type frameRing struct {
	l     *Link
	mem   []byte
	slot  int // bytes per slot
	slots int
	// perBlock slots per block of block bytes: slots never straddle
	// blocks, so a block may end in unused bytes.
	perBlock, block int

	cur  int // next slot to read
	held int // slots before cur that the caller still holds
	// next is cur as the last ReadBatch left it, for RxPending on
	// another goroutine.
	next atomic.Int32

	// Frames longer than a slot, read from the socket queue with one
	// recvmmsg for all the TP_STATUS_COPY slots ready in the batch: one
	// buffer per batch position, allocated on first use. qGot of them
	// hold frames this batch, qNext is the next to hand out.
	big         [][]byte
	hdrs        [][vnetHdrLen]byte
	iovs        []unix.Iovec
	msgs        []unix.Mmsghdr
	qGot, qNext int
	want        int // messages asked of the recvmmsg in progress
	got         int // messages it returned
	// bigAt[n] is the big buffer behind frames[n] of the last ReadBatch,
	// -1 for a frame in a slot (TakeFrame can take only the former);
	// lastN is how many frames that ReadBatch returned.
	bigAt []int
	lastN int

	ready  func(fd uintptr) bool
	recvFn func(fd uintptr)
}

func (r *frameRing) init(l *Link, mem []byte, slot int, o *Options) {
	r.l, r.mem, r.slot = l, mem, slot
	r.block = max(v2BlockSize, slot, os.Getpagesize())
	r.perBlock = r.block / slot
	r.slots = len(mem) / r.block * r.perBlock
	r.big = make([][]byte, o.Batch)
	r.hdrs = make([][vnetHdrLen]byte, o.Batch)
	r.iovs = make([]unix.Iovec, 2*o.Batch)
	r.msgs = make([]unix.Mmsghdr, o.Batch)
	r.bigAt = make([]int, o.Batch)
	r.ready = r.poll
	r.recvFn = r.recv
}

// off is the offset of slot i in the mapping.
func (r *frameRing) off(i int) int {
	return i/r.perBlock*r.block + i%r.perBlock*r.slot
}

func (r *frameRing) status(i int) *uint32 {
	return (*uint32)(unsafe.Pointer(&r.mem[r.off(i)+v2StatusOff]))
}

func (r *frameRing) u32(off int) uint32 {
	return *(*uint32)(unsafe.Pointer(&r.mem[off]))
}

// poll runs inside RawConn.Read: true once the current slot is ours.
func (r *frameRing) poll(uintptr) bool {
	return atomic.LoadUint32(r.status(r.cur))&unix.TP_STATUS_USER != 0 || r.l.closed.Load()
}

// recv runs inside RawConn.Control: r.want queued whole frames (the
// TP_STATUS_COPY case) into r.big from r.qGot on.
func (r *frameRing) recv(fd uintptr) {
	n, _, errno := unix.Syscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&r.msgs[r.qGot])), uintptr(r.want), unix.MSG_DONTWAIT, 0, 0)
	r.got = int(n)
	if errno != 0 {
		r.got = 0
	}
}

// readFrameRing is ReadBatch on the V2 ring. Caller holds l.rxMu.
func (l *Link) readFrameRing(frames []nic.Frame) (int, error) {
	r := &l.fring
	for i := r.cur - r.held; r.held > 0; i++ {
		atomic.StoreUint32(r.status((i+r.slots)%r.slots), unix.TP_STATUS_KERNEL)
		r.held--
	}
	r.qGot, r.qNext, r.lastN = 0, 0, 0
	if len(r.bigAt) < len(frames) {
		r.bigAt = make([]int, len(frames))
	}
	n := 0
	var bytes uint64
	polled := false
	for n < len(frames) {
		st := atomic.LoadUint32(r.status(r.cur))
		if st&unix.TP_STATUS_USER == 0 {
			if n > 0 {
				break // return what we have rather than wait
			}
			if l.busy > 0 && !polled {
				// Busy-poll the slot (no system call) before sleeping
				// in the poller, as the recvmmsg path polls its socket.
				polled = true
				if l.spin(r.ready) {
					l.busyHits.Add(1)
					continue
				}
			}
			if err := l.waitRing(r.ready); err != nil {
				return 0, err
			}
			continue
		}
		if st&unix.TP_STATUS_COPY != 0 && r.qNext == r.qGot {
			if r.qGot == len(r.big) {
				break // every big buffer holds a frame of this batch
			}
			l.fetchQueued(r, len(frames)-n)
		}
		h := r.off(r.cur)
		r.cur = (r.cur + 1) % r.slots
		r.held++
		if n == 0 {
			// The batch's oldest frame: how long it waited in the ring.
			l.noteRxWait(r.u32(h+v2SecOff), r.u32(h+v2NsecOff))
		}
		if st&unix.TP_STATUS_COPY != 0 {
			if f, ok := l.nextQueued(r); ok {
				r.bigAt[n] = r.qNext - 1
				frames[n] = f
				bytes += uint64(len(f.Data))
				n++
			}
			continue
		}
		snap := int(r.u32(h + v2SnaplenOff))
		wire := int(r.u32(h + v2LenOff))
		mac := int(*(*uint16)(unsafe.Pointer(&r.mem[h+v2MacOff])))
		start := h + mac
		end := start + snap
		if snap < wire || mac > r.slot || end > h+r.slot || (l.vnet && mac < vnetHdrLen) {
			// Cut short without a queued copy (the receive buffer was
			// full) or a header we cannot trust: count it, never
			// return it.
			l.rxTrunc.Add(1)
			continue
		}
		var off nic.Offload
		if l.vnet {
			off = decodeVnet(r.mem[start-vnetHdrLen : start])
		}
		// Capacity capped: a caller's append must not run into the ring.
		frames[n] = nic.Frame{Data: r.mem[start:end:end], Offload: off}
		r.bigAt[n] = -1
		bytes += uint64(snap)
		n++
	}
	l.rxFrames.Add(uint64(n))
	l.rxBytes.Add(bytes)
	r.next.Store(int32(r.cur))
	r.lastN = n
	return n, nil
}

// fetchQueued reads from the socket queue, in one recvmmsg, the whole
// frames behind the TP_STATUS_COPY slots that are ready from r.cur on
// (at most room of them, and no more than the free big buffers).
func (l *Link) fetchQueued(r *frameRing, room int) {
	want := 0
	for i, j := 0, r.cur; i < room && r.qGot+want < len(r.big); i, j = i+1, (j+1)%r.slots {
		st := atomic.LoadUint32(r.status(j))
		if st&unix.TP_STATUS_USER == 0 {
			break
		}
		if st&unix.TP_STATUS_COPY != 0 {
			want++
		}
	}
	per := 1
	if l.vnet {
		per = 2
	}
	for k := r.qGot; k < r.qGot+want; k++ {
		if r.big[k] == nil {
			r.big[k] = make([]byte, l.maxRx)
		}
		iov := r.iovs[k*2 : k*2+per]
		if l.vnet {
			iov[0].Base = &r.hdrs[k][0]
			iov[0].SetLen(vnetHdrLen)
		}
		iov[per-1].Base = &r.big[k][0]
		iov[per-1].SetLen(len(r.big[k]))
		r.msgs[k] = unix.Mmsghdr{}
		r.msgs[k].Hdr.Iov = &iov[0]
		r.msgs[k].Hdr.SetIovlen(per)
	}
	r.want, r.got = want, 0
	if err := l.rc.Control(r.recvFn); err != nil {
		r.got = 0
	}
	r.qGot += r.got
}

// nextQueued hands out the next frame fetchQueued read, for one
// TP_STATUS_COPY slot.
func (l *Link) nextQueued(r *frameRing) (nic.Frame, bool) {
	if r.qNext == r.qGot {
		// The queue had nothing for this slot (it cannot happen while
		// slots and queue stay in step).
		l.rxTrunc.Add(1)
		return nic.Frame{}, false
	}
	k := r.qNext
	r.qNext++
	m := &r.msgs[k]
	size := int(m.Len)
	if m.Hdr.Flags&unix.MSG_TRUNC != 0 {
		l.rxTrunc.Add(1)
		return nic.Frame{}, false
	}
	var off nic.Offload
	if l.vnet {
		if size < vnetHdrLen {
			l.rxErrors.Add(1)
			return nic.Frame{}, false
		}
		off = decodeVnet(r.hdrs[k][:])
		size -= vnetHdrLen
	}
	return nic.Frame{Data: r.big[k][:size:size], Offload: off}, true
}

// takeQueued is TakeFrame for the frame ring: a frame that came through
// the socket queue (longer than a slot) sits in a buffer of the ring's
// own, which is swapped for a spare; a frame in a slot is the kernel's
// memory and cannot be taken (nil).
func (l *Link) takeQueued(i int) nic.Releaser {
	r := &l.fring
	if i < 0 || i >= r.lastN || r.bigAt[i] < 0 {
		return nil
	}
	k := r.bigAt[i]
	r.bigAt[i] = -1
	nb := l.rx.spareBuf(l.maxRx)
	nb.b, r.big[k] = r.big[k], nb.b
	return nb
}
