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
	tx    txStates
	// rxMu is held by ReadBatch for its whole call, so that Close can
	// wait for a reader to leave before unmapping the ring.
	rxMu sync.Mutex
	// rxHeld (under rxMu): the last ReadBatch returned frames, which
	// may lie in the ring and stay valid until the next ReadBatch. Close
	// then leaves the unmapping to that call.
	rxHeld bool
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
	// The receive wait (noteRxWait): batches measured, the sum of their
	// waits in microseconds, and those over 100 us and over 1 ms.
	waitBatches, waitMicros, waitOver100us, waitOver1ms atomic.Uint64
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
		RxBusyPolled:  l.busyHits.Load(),
		RxWaitBatches: l.waitBatches.Load(), RxWaitMicros: l.waitMicros.Load(),
		RxWaitOver100us: l.waitOver100us.Load(), RxWaitOver1ms: l.waitOver1ms.Load(),
	}
}

// maxRxWait bounds a receive wait taken as real. The ring's timestamps
// are wall-clock time (CLOCK_REALTIME: the kernel's receive timestamp of
// the frame, taken when it reached the ring or, with timestamping on
// elsewhere, a little earlier on its receive path), and a step of the
// clock (NTP setting the time of a Raspberry Pi that booted without one)
// must not count as a wait.
const maxRxWait = 10 * time.Second

// noteRxWait counts how long a frame that entered the ring at sec.nsec
// (wall-clock time, from its slot's header) waited before the reader took
// it: the oldest frame of each batch, so one clock read per batch. A
// stack that keeps up takes frames within microseconds; a long wait says
// the reader was busy or not scheduled (docs/performance.md, round
// eight), so that figures measured through tcpbox meanwhile may say more
// about tcpbox than about the network.
func (l *Link) noteRxWait(sec, nsec uint32) {
	if sec == 0 {
		return // no timestamp
	}
	d := time.Duration(time.Now().UnixNano() - (int64(sec)*1e9 + int64(nsec)))
	if d < 0 || d > maxRxWait {
		return
	}
	l.waitBatches.Add(1)
	l.waitMicros.Add(uint64(d / time.Microsecond))
	if d > 100*time.Microsecond {
		l.waitOver100us.Add(1)
		if d > time.Millisecond {
			l.waitOver1ms.Add(1)
		}
	}
}

// Close closes the socket; a blocked ReadBatch returns ErrClosed. The
// frames of the last batch stay readable until the reader's next
// ReadBatch, which then unmaps the ring.
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
	// Unmap only once no ReadBatch or RxPending is inside the ring, and
	// no frame of the last batch is still being worked on: the reader
	// may be between two ReadBatch calls, with the frames of the last in
	// hand (the stack closes the link from another goroutine and waits
	// for its receive loop). Its next ReadBatch unmaps then.
	l.rxMu.Lock()
	if !l.rxHeld {
		l.unmapRing()
	}
	l.rxMu.Unlock()
	return err
}

// unmapRing unmaps the receive ring, if mapped. Caller holds rxMu, and
// the Link is closed.
func (l *Link) unmapRing() {
	if l.ringMem == nil {
		return
	}
	l.pendMu.Lock()
	unix.Munmap(l.ringMem)
	l.ringMem = nil
	l.pendMu.Unlock()
}
