//go:build linux

package afpacket

import "time"

// Options configure Open. The zero value is usable.
type Options struct {
	// MAC is the address the filter accepts unicast frames for, and what
	// Link.MAC returns; zero means the interface's own.
	MAC [6]byte
	// Promisc receives every frame on the interface (no MAC filter,
	// PACKET_MR_PROMISC), as a bridge must.
	Promisc bool
	// Batch is the most frames one ReadBatch or WriteBatch system call
	// moves; default 128 (the stack reads up to 128 frames per batch).
	Batch int
	// RcvBuf and SndBuf size the socket buffers (SO_RCVBUFFORCE and
	// SO_SNDBUFFORCE); default 16 MiB for receive (a burst of 64 KiB
	// super-frames with offloads on fills 4 MiB in about 60 frames), 4 MiB
	// for send.
	RcvBuf, SndBuf int
	// NoVnetHdr turns PACKET_VNET_HDR off: frames are then read as the
	// kernel has them, which on an interface with offloads on means
	// partial checksums and super-frames with no way to tell.
	NoVnetHdr bool
	// NoGSO makes GSOMaxSize report 0, so a stack sends only MTU-sized
	// frames even though the socket could take super-frames.
	NoGSO bool
	// Ring receives through a TPACKET_V3 mmap ring instead of recvmmsg:
	// no copy from the kernel and no system call while frames keep
	// coming, but a lone frame may wait up to RingTimeout for the kernel
	// to hand its block over.
	Ring bool
	// RingBlockSize (a multiple of the page size, at least 128 KiB with
	// the vnet header so a super-frame fits) and RingBlocks size the
	// ring; defaults 256 KiB and 16 (4 MiB).
	RingBlockSize, RingBlocks int
	// By default frames arrive through a TPACKET_V2 mmap ring of one
	// slot per frame (framering.go): no system call while frames keep
	// coming, and, unlike Ring, every frame reaches the reader at once.
	// Frames longer than a slot (super-frames with offloads on) come
	// through the socket queue, one recvmmsg per batch. FrameRingSlots
	// is the number of slots; by default as many as fill 32 MiB (16384
	// slots of 2 KiB at MTU 1500, fewer for a larger MTU, at least 1024).
	// The kernel allocates the whole ring when the Link opens. Every
	// frame takes a whole slot, so a burst of small frames fills the
	// ring sooner than it fills a socket buffer of the same size:
	// stack's TestTCPKernelManyConnections (10,000 connections opened and
	// echoed at once) lost 2,171 to 6,299 frames with 8192 slots (two
	// runs in two), none with 16384 (three runs).
	FrameRingSlots int
	// Recvmmsg receives with recvmmsg into the Link's own buffers instead
	// of the frame ring: one system call and one copy per batch, in the
	// reader. It lends every frame (TakeFrame), where the ring lends
	// only those longer than a slot. hack/bench, interleaved rounds
	// against the ring (docs/performance.md, round six): upload with
	// offloads off about 10% slower, echo p50 and p99 about 15% higher,
	// connections per second the same.
	Recvmmsg bool
	// BusyPoll keeps the reader polling the socket (non-blocking
	// recvmmsg, yielding the processor between tries) for up to this
	// long after it found the socket empty, before it sleeps in the
	// poller, as Linux's SO_BUSY_POLL and net.core.busy_read do for a
	// socket. A request that arrives meanwhile is read without the
	// poller's wake-up (an epoll_wait return and a thread wake-up, about
	// half of a small request/response exchange's server time on a
	// veth). It costs CPU only after traffic, at most BusyPoll per batch
	// received. Zero (the default) never busy-polls. The frame ring polls
	// its next slot instead (no system call); the V3 ring does not poll
	// (its blocks reach the reader after RingTimeout anyway).
	BusyPoll time.Duration
	// RingTimeout is how long the kernel keeps a partly filled block
	// before handing it over; default and minimum 1ms.
	RingTimeout time.Duration
	// WaitUp is how long Open waits for an interface that does not exist
	// yet, retrying with backoff; 0 means fail at once.
	WaitUp time.Duration
	// Logf, if set, receives one line for each notable event (retries).
	Logf func(format string, args ...any)
}

const (
	// ringBudget is the default frame ring's size in bytes, minRingSlots
	// its fewest slots.
	ringBudget   = 32 << 20
	minRingSlots = 1024
	defaultBatch = 128
	defaultBuf   = 4 << 20
	defaultRcv   = 16 << 20
	// maxGSOFrame is the largest frame the kernel hands over with
	// PACKET_VNET_HDR: an IP datagram of 64 KiB behind an Ethernet header
	// and a VLAN tag.
	maxGSOFrame = 65535 + 14 + 4
)

// frameRing reports whether frames arrive through the TPACKET_V2 ring
// (the default).
func (o *Options) frameRing() bool { return !o.Recvmmsg && !o.Ring }

func (o *Options) setDefaults() {
	if o.Batch <= 0 {
		o.Batch = defaultBatch
	}
	if o.RcvBuf <= 0 {
		o.RcvBuf = defaultRcv
	}
	if o.SndBuf <= 0 {
		o.SndBuf = defaultBuf
	}
	if o.RingBlockSize <= 0 {
		o.RingBlockSize = 256 << 10
	}
	if o.RingBlocks <= 0 {
		o.RingBlocks = 16
	}
	if o.RingTimeout < time.Millisecond {
		o.RingTimeout = time.Millisecond
	}
}
