// Package nic moves Ethernet frames. It knows nothing of the protocols
// inside them: a Link receives and transmits whole frames (destination MAC
// first, no preamble, no FCS) in batches, and the wrappers in the
// subpackages (impair, pcap) compose around any Link, so tests and the
// appliance build the same chains and differ only in the innermost link.
//
// Implementations: afpacket (a Linux AF_PACKET socket bound to one
// interface), memlink (two links joined back to back in memory), impair
// (loss, delay, reordering, rate limits), pcap (a tee that records every
// frame).
package nic

import (
	"errors"
	"net"
)

// ErrClosed is returned by ReadBatch and WriteBatch once a Link is closed.
// It is net.ErrClosed, so errors.Is works the same way as with sockets.
var ErrClosed = net.ErrClosed

// ErrTooBig is returned (wrapped) by WriteBatch for a frame longer than the
// link can carry.
var ErrTooBig = errors.New("nic: frame exceeds link MTU")

// Offload describes checksum and segmentation work that is still to be
// done on a frame, in the terms of Linux's struct virtio_net_hdr. The zero
// value means none: the frame is complete and its checksums are correct.
type Offload struct {
	// NeedsChecksum: the transport checksum at CsumStart+CsumOffset holds
	// only the pseudo-header sum; the rest must be folded in from CsumStart
	// to the end of the frame (VIRTIO_NET_HDR_F_NEEDS_CSUM).
	NeedsChecksum bool
	// DataValid: the kernel already verified the checksum
	// (VIRTIO_NET_HDR_F_DATA_VALID).
	DataValid  bool
	CsumStart  uint16
	CsumOffset uint16
	// GSOType is 0 for none, or a VIRTIO_NET_HDR_GSO_* value
	// (1 TCPv4, 3 UDP, 4 TCPv6); the frame is then a super-frame to be cut
	// into GSOSize-byte payloads behind copies of its headers (HdrLen bytes).
	GSOType uint8
	GSOSize uint16
	HdrLen  uint16
}

// Frame is one Ethernet frame.
type Frame struct {
	Data []byte
	// Tail, when not empty, continues Data: the frame on the wire is
	// Data followed by each slice of Tail in turn. A stack puts a
	// frame's payload here, where it already lies, instead of copying it
	// behind the headers, and only for a link that says it gathers
	// (Gatherer); every other link gets frames whose Tail is empty.
	Tail    [][]byte
	Offload Offload
}

// Len is the frame's length on the wire: Data and its Tail.
func (f *Frame) Len() int {
	n := len(f.Data)
	for _, t := range f.Tail {
		n += len(t)
	}
	return n
}

// MaxTail is the most slices a Frame's Tail holds.
const MaxTail = 2

// Gatherer is a Link whose WriteBatch takes frames with a Tail (nic/afpacket
// with PACKET_VNET_HDR hands the pieces to the kernel as one iovec), and
// wrappers that pass such frames on.
type Gatherer interface {
	Gathers() bool
}

// Gathers reports whether l takes frames with a Tail.
func Gathers(l Link) bool {
	g, ok := l.(Gatherer)
	return ok && g.Gathers()
}

// Stats are the counters every link keeps. Wrappers add their own
// counters through their own types; these are the common ground.
type Stats struct {
	RxFrames, RxBytes uint64
	TxFrames, TxBytes uint64
	// RxDropped counts frames lost before the caller saw them: the
	// kernel's drops (PACKET_STATISTICS) for afpacket, a full queue for
	// memlink.
	RxDropped uint64
	// TxDropped counts frames the link accepted in WriteBatch but could
	// not send (a full ring or queue, a link that is down).
	TxDropped uint64
	// RxErrors and TxErrors count failed system calls.
	RxErrors, TxErrors uint64
	// RxBusyPolled counts receive batches found by busy polling (a
	// reader that kept polling after the link was empty, afpacket's
	// Options.BusyPoll) rather than after a sleep.
	RxBusyPolled uint64
	// The receive wait, where the link can tell (afpacket's frame ring,
	// the default): RxWaitBatches counts receive batches whose oldest
	// frame's wait was measured, from the kernel's receive timestamp
	// (when it reached the ring) to the reader taking it, and
	// RxWaitMicros sums those waits in microseconds; over an interval
	// their ratio is the mean wait.
	// RxWaitOver100us and RxWaitOver1ms count the batches that waited
	// longer than that. A stack that keeps up reads frames within
	// microseconds: long waits mean it was busy or not scheduled.
	RxWaitBatches, RxWaitMicros    uint64
	RxWaitOver100us, RxWaitOver1ms uint64
}

// Link moves batches of Ethernet frames.
//
// Buffer ownership:
//   - ReadBatch: the memory behind frames[i].Data belongs to the link and
//     stays valid only until the next ReadBatch call on the same link (or
//     Close). The caller copies whatever it keeps. Only one goroutine may
//     call ReadBatch at a time.
//   - WriteBatch: the link does not keep frames[i].Data after WriteBatch
//     returns; the caller may reuse the buffers at once. WriteBatch may be
//     called from several goroutines at once.
type Link interface {
	// ReadBatch blocks until at least one frame has arrived, then sets
	// frames[0:n] and returns n >= 1. After Close it returns 0, ErrClosed.
	ReadBatch(frames []Frame) (n int, err error)
	// WriteBatch sends frames in order and returns how many were handed
	// to the medium. A frame the link drops for lack of room counts as
	// sent (and in Stats.TxDropped): like a NIC, a Link never blocks the
	// stack on a full queue.
	WriteBatch(frames []Frame) (n int, err error)
	// MTU is the largest payload after the 14-byte Ethernet header.
	MTU() int
	// MAC is the link's own hardware address.
	MAC() [6]byte
	// Stats returns a snapshot of the counters.
	Stats() Stats
	// Close releases the link and wakes a blocked ReadBatch.
	Close() error
}

// EthernetHeaderLen is the length of an Ethernet II header without a VLAN
// tag.
const EthernetHeaderLen = 14

// Releaser gives memory taken from a link back to it.
type Releaser interface{ Release() }

// FrameTaker is a Link whose receive buffers can be taken over, so that a
// frame's payload can be read where it arrived instead of being copied
// out first. TakeFrame(i), called by the goroutine that called ReadBatch
// and before its next call, hands the memory behind frames[i] of that
// ReadBatch to the caller: it stays valid, and the link never writes it
// again, until the caller calls Release on the result (once). The link
// reads into other memory meanwhile. It returns nil when it cannot.
// Wrappers that pass ReadBatch's frames through unchanged forward it.
type FrameTaker interface {
	TakeFrame(i int) Releaser
}

// TakeFrame is l's TakeFrame if l is a FrameTaker, else nil: what a
// wrapper that passes frames through unchanged forwards.
func TakeFrame(l Link, i int) Releaser {
	if t, ok := l.(FrameTaker); ok {
		return t.TakeFrame(i)
	}
	return nil
}

// RxPender is a Link that can tell whether received frames wait for the
// next ReadBatch (nic/afpacket), so that a stack's loss timers can wait
// for ACKs already queued.
type RxPender interface {
	RxPending() bool
}

// RxPending is l's RxPending if l is an RxPender, else false.
func RxPending(l Link) bool {
	p, ok := l.(RxPender)
	return ok && p.RxPending()
}
