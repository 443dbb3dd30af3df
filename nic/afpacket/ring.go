//go:build linux

package afpacket

import (
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/tcpbox/tcpbox/nic"
)

// Offsets in the TPACKET_V3 ring (include/uapi/linux/if_packet.h):
// struct tpacket_block_desc { u32 version; u32 offset_to_priv;
// struct tpacket_hdr_v1 { u32 block_status; u32 num_pkts;
// u32 offset_to_first_pkt; ... } }, and per frame struct tpacket3_hdr
// { u32 tp_next_offset, tp_sec, tp_nsec, tp_snaplen, tp_len, tp_status;
// u16 tp_mac, tp_net; ... }.
const (
	blockStatusOff = 8
	blockNumOff    = 12
	blockFirstOff  = 16

	pktNextOff    = 0
	pktSnaplenOff = 12
	pktLenOff     = 16
	pktStatusOff  = 20
	pktMacOff     = 24

	ringFrameSize = 2048 // only a sanity unit for V3: frames vary in size
)

// setupRing switches the socket to TPACKET_V3 and maps its receive ring.
func setupRing(fd int, o *Options) ([]byte, error) {
	page := os.Getpagesize()
	if o.RingBlockSize%page != 0 || o.RingBlockSize%ringFrameSize != 0 {
		return nil, fmt.Errorf("block size %d is not a multiple of the page size %d", o.RingBlockSize, page)
	}
	if o.RingBlocks*o.RingBlockSize > 1<<30 {
		return nil, fmt.Errorf("ring of %d x %d bytes above 1 GiB", o.RingBlocks, o.RingBlockSize)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_VERSION, unix.TPACKET_V3); err != nil {
		return nil, fmt.Errorf("PACKET_VERSION: %w", err)
	}
	req := unix.TpacketReq3{
		Block_size:     uint32(o.RingBlockSize),
		Block_nr:       uint32(o.RingBlocks),
		Frame_size:     ringFrameSize,
		Frame_nr:       uint32(o.RingBlockSize / ringFrameSize * o.RingBlocks),
		Retire_blk_tov: uint32(o.RingTimeout.Milliseconds()),
	}
	if err := unix.SetsockoptTpacketReq3(fd, unix.SOL_PACKET, unix.PACKET_RX_RING, &req); err != nil {
		return nil, fmt.Errorf("PACKET_RX_RING: %w", err)
	}
	mem, err := unix.Mmap(fd, 0, o.RingBlockSize*o.RingBlocks, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("mmap: %w", err)
	}
	return mem, nil
}

// ringState walks the ring's blocks in order. A block the kernel has
// handed over (TP_STATUS_USER) is read frame by frame; it goes back to the
// kernel at the start of the ReadBatch after the one that finished it, so
// the frames returned stay valid until then, as the Link contract says.
type ringState struct {
	mem       []byte
	blockSize int
	blocks    int

	cur     int // block being read or waited for
	inBlock bool
	next    int // offset of the next frame in cur
	left    int // frames left in cur
	done    []int
	ready   func(fd uintptr) bool
	l       *Link
}

func (r *ringState) init(l *Link, mem []byte, o *Options) {
	r.l, r.mem = l, mem
	r.blockSize, r.blocks = o.RingBlockSize, o.RingBlocks
	r.done = make([]int, 0, r.blocks)
	r.ready = r.poll
}

func (r *ringState) status(block int) *uint32 {
	return (*uint32)(unsafe.Pointer(&r.mem[block*r.blockSize+blockStatusOff]))
}

func (r *ringState) u32(off int) uint32 {
	return *(*uint32)(unsafe.Pointer(&r.mem[off]))
}

// poll runs inside RawConn.Read: true once the current block is ours.
func (r *ringState) poll(uintptr) bool {
	return atomic.LoadUint32(r.status(r.cur))&unix.TP_STATUS_USER != 0 || r.l.closed.Load()
}

// waitRing parks the reader in the poller until ready (which looks at a
// ring's next block or slot) says so or the Link closes (nic.ErrClosed).
func (l *Link) waitRing(ready func(fd uintptr) bool) error {
	if err := l.rc.Read(ready); err != nil {
		if l.closed.Load() || errors.Is(err, os.ErrClosed) {
			return nic.ErrClosed
		}
		return err
	}
	if l.closed.Load() {
		return nic.ErrClosed
	}
	return nil
}

// release hands the blocks finished by the last call back to the kernel.
func (r *ringState) release() {
	for _, b := range r.done {
		atomic.StoreUint32(r.status(b), unix.TP_STATUS_KERNEL)
	}
	r.done = r.done[:0]
}

// readRing is ReadBatch on the ring. Caller holds l.rxMu.
func (l *Link) readRing(frames []nic.Frame) (int, error) {
	r := &l.ring
	r.release()
	n := 0
	var bytes uint64
	for n < len(frames) {
		if !r.inBlock {
			if len(r.done) > 0 && r.cur == r.done[0] {
				// A batch that went round the whole ring is back at a
				// block it finished: still ours (not handed back until
				// the next call, its frames may be in frames[:n]) and
				// still marked TP_STATUS_USER, so it must not be read
				// again. Return what we have; with nothing, the
				// finished blocks held no frame and go back now.
				if n > 0 {
					break
				}
				r.release()
			}
			if atomic.LoadUint32(r.status(r.cur))&unix.TP_STATUS_USER == 0 {
				if n > 0 {
					break // return what we have rather than wait
				}
				if err := l.waitRing(r.ready); err != nil {
					return 0, err
				}
				continue
			}
			base := r.cur * r.blockSize
			r.inBlock = true
			r.left = int(r.u32(base + blockNumOff))
			r.next = base + int(r.u32(base+blockFirstOff))
		}
		if r.left == 0 {
			// Finished: hand the block back at the next call.
			r.done = append(r.done, r.cur)
			r.cur = (r.cur + 1) % r.blocks
			r.inBlock = false
			continue
		}
		h := r.next
		nextOff := int(r.u32(h + pktNextOff))
		snap := int(r.u32(h + pktSnaplenOff))
		wire := int(r.u32(h + pktLenOff))
		st := r.u32(h + pktStatusOff)
		mac := int(*(*uint16)(unsafe.Pointer(&r.mem[h+pktMacOff])))
		r.next += nextOff
		r.left--
		start := h + mac
		end := start + snap
		blockEnd := (r.cur + 1) * r.blockSize
		if st&unix.TP_STATUS_COPY != 0 || snap < wire || end > blockEnd || (l.vnet && mac < vnetHdrLen) {
			// Cut short (frame larger than a block can hold) or a
			// header we cannot trust: count it, never return it.
			l.rxTrunc.Add(1)
			continue
		}
		var off nic.Offload
		if l.vnet {
			off = decodeVnet(r.mem[start-vnetHdrLen : start])
		}
		// Capacity capped: a caller's append must not run into the ring.
		frames[n] = nic.Frame{Data: r.mem[start:end:end], Offload: off}
		bytes += uint64(snap)
		n++
	}
	l.rxFrames.Add(uint64(n))
	l.rxBytes.Add(bytes)
	return n, nil
}
