//go:build linux

package afpacket

import (
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tcpbox/tcpbox/nic"
)

// Link is an AF_PACKET socket bound to one interface.
type Link struct {
	name    string
	ifindex int
	mtu     int
	mac     [6]byte
	vnet    bool
	noGSO   bool
	maxRx   int // largest frame a receive buffer holds
	busy    time.Duration

	file *os.File // owns the fd; its poller wakes readers on Close
	rc   syscall.RawConn

	rx   rxState
	ring ringState // used instead of rx when Options.Ring
	// fring is the default receive path; rx is used with Options.Recvmmsg,
	// ring with Options.Ring.
	fring frameRing
	tx    txState
	// rxMu is held by ReadBatch for its whole call, so that Close can
	// wait for a reader to leave before unmapping the ring.
	rxMu sync.Mutex
	// pendMu is held by RxPending while it looks into the frame ring
	// (and by Close around the unmapping), so Close cannot unmap it
	// under RxPending.
	pendMu  sync.Mutex
	ringMem []byte

	closed atomic.Bool

	statsMu   sync.Mutex
	kernDrops uint64 // PACKET_STATISTICS drops, accumulated (reading resets them)

	rxFrames, rxBytes, rxErrors, rxTrunc   atomic.Uint64
	txFrames, txBytes, txDropped, txErrors atomic.Uint64
	busyHits                               atomic.Uint64
}

var _ nic.Link = (*Link)(nil)

// Open binds a Link to the interface named ifname.
func Open(ifname string, o Options) (*Link, error) {
	o.setDefaults()
	ifi, err := lookup(ifname, &o)
	if err != nil {
		return nil, fmt.Errorf("afpacket: %s: %w", ifname, err)
	}
	mac := o.MAC
	if mac == ([6]byte{}) {
		if len(ifi.HardwareAddr) != 6 {
			return nil, fmt.Errorf("afpacket: %s: no Ethernet address, and none given", ifname)
		}
		copy(mac[:], ifi.HardwareAddr)
	}
	fd, ringMem, slot, err := openSocket(ifi.Index, ifi.MTU, mac, &o)
	if err != nil {
		return nil, fmt.Errorf("afpacket: %s: %w", ifname, err)
	}
	l := &Link{name: ifname, ifindex: ifi.Index, mtu: ifi.MTU, mac: mac, vnet: !o.NoVnetHdr, noGSO: o.NoGSO, ringMem: ringMem, busy: max(o.BusyPoll, 0)}
	l.maxRx = l.mtu + nic.EthernetHeaderLen + 4 // room for a VLAN tag
	if l.vnet {
		l.maxRx = max(l.maxRx, maxGSOFrame)
	}
	// The fd is non-blocking, so os.NewFile registers it with the poller.
	l.file = os.NewFile(uintptr(fd), "afpacket:"+ifname)
	if l.rc, err = l.file.SyscallConn(); err != nil {
		l.file.Close()
		return nil, fmt.Errorf("afpacket: %s: %w", ifname, err)
	}
	if o.frameRing() {
		l.fring.init(l, ringMem, slot, &o)
	} else if ringMem != nil {
		l.ring.init(l, ringMem, &o)
	} else {
		l.rx.init(l, o.Batch)
	}
	l.tx.init(l, o.Batch)
	return l, nil
}

// MTU is the interface's MTU when the link was opened.
func (l *Link) MTU() int { return l.mtu }

// MAC is Options.MAC, or the interface's address.
func (l *Link) MAC() [6]byte { return l.mac }

// MaxFrameLen is the largest frame ReadBatch may return: a GSO
// super-frame when PACKET_VNET_HDR is on. Wrappers (impair) size their
// buffers by it.
func (l *Link) MaxFrameLen() int { return l.maxRx }

// GSOMaxSize is the longest TCP or UDP super-frame WriteBatch takes with
// Offload.GSOType set, which the kernel segments (in software when the
// interface has no TSO): 64 KiB of IP datagram with PACKET_VNET_HDR, 0
// without it or with Options.NoGSO.
func (l *Link) GSOMaxSize() int {
	if !l.vnet || l.noGSO {
		return 0
	}
	return 65535 + nic.EthernetHeaderLen
}

// Ifindex is the interface index the socket is bound to.
func (l *Link) Ifindex() int { return l.ifindex }

// Stats returns the counters; RxDropped is the kernel's count of frames
// the socket had no room for (PACKET_STATISTICS) plus frames too long for
// a receive buffer.
func (l *Link) Stats() nic.Stats {
	l.statsMu.Lock()
	if !l.closed.Load() {
		l.rc.Control(func(fd uintptr) {
			if st, err := unix.GetsockoptTpacketStats(int(fd), unix.SOL_PACKET, unix.PACKET_STATISTICS); err == nil {
				l.kernDrops += uint64(st.Drops)
			}
		})
	}
	drops := l.kernDrops
	l.statsMu.Unlock()
	return nic.Stats{
		RxFrames: l.rxFrames.Load(), RxBytes: l.rxBytes.Load(),
		TxFrames: l.txFrames.Load(), TxBytes: l.txBytes.Load(),
		RxDropped: drops + l.rxTrunc.Load(),
		TxDropped: l.txDropped.Load(),
		RxErrors:  l.rxErrors.Load(), TxErrors: l.txErrors.Load(),
		RxBusyPolled: l.busyHits.Load(),
	}
}

// Close closes the socket; a blocked ReadBatch returns ErrClosed.
func (l *Link) Close() error {
	if l.closed.Swap(true) {
		return nil
	}
	// Take the kernel's last drop count while the socket still exists.
	l.statsMu.Lock()
	l.rc.Control(func(fd uintptr) {
		if st, err := unix.GetsockoptTpacketStats(int(fd), unix.SOL_PACKET, unix.PACKET_STATISTICS); err == nil {
			l.kernDrops += uint64(st.Drops)
		}
	})
	l.statsMu.Unlock()
	err := l.file.Close() // wakes a blocked ReadBatch
	if l.ringMem != nil {
		// Unmap only once no ReadBatch or RxPending is inside the ring.
		l.rxMu.Lock()
		l.pendMu.Lock()
		unix.Munmap(l.ringMem)
		l.ringMem = nil
		l.pendMu.Unlock()
		l.rxMu.Unlock()
	}
	return err
}
