//go:build linux

package afpacket

import (
	"errors"
	"fmt"
	"net"
	"time"

	"golang.org/x/sys/unix"
)

// htons converts a 16-bit protocol number to network order for bind and
// socket(2).
func htons(v uint16) uint16 { return v<<8 | v>>8 }

// openSocket makes the socket in the order that keeps unwanted frames
// out: created with protocol 0 (it receives nothing yet), filter attached,
// options set, then bound to ETH_P_ALL on the interface, then drained of
// anything queued before the filter applied.
func openSocket(ifindex, mtu int, mac [6]byte, o *Options) (fd int, ringMem []byte, slot int, err error) {
	fd, err = socketFor(ifindex, mtu, mac, o, &ringMem, &slot)
	return fd, ringMem, slot, err
}

func socketFor(ifindex, mtu int, mac [6]byte, o *Options, ringMem *[]byte, slot *int) (int, error) {
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		return -1, fmt.Errorf("socket: %w", err)
	}
	fail := func(what string, err error) (int, error) {
		if *ringMem != nil {
			unix.Munmap(*ringMem)
			*ringMem = nil
		}
		unix.Close(fd)
		return -1, fmt.Errorf("%s: %w", what, err)
	}
	if !o.Promisc {
		prog := macFilter(mac)
		fprog := unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}
		if err := unix.SetsockoptSockFprog(fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER, &fprog); err != nil {
			return fail("attach filter", err)
		}
	}
	if !o.NoVnetHdr {
		if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_VNET_HDR, 1); err != nil {
			return fail("PACKET_VNET_HDR", err)
		}
	}
	// PACKET_QDISC_BYPASS sends through __dev_direct_xmit, which drops a
	// super-frame the device cannot take whole (no TSO: offloads off)
	// instead of segmenting it in software as dev_queue_xmit does. So
	// the bypass is on only when we send no super-frames.
	if o.NoVnetHdr || o.NoGSO {
		if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_QDISC_BYPASS, 1); err != nil {
			return fail("PACKET_QDISC_BYPASS", err)
		}
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_IGNORE_OUTGOING, 1); err != nil {
		return fail("PACKET_IGNORE_OUTGOING", err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, o.RcvBuf); err != nil {
		return fail("SO_RCVBUFFORCE", err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUFFORCE, o.SndBuf); err != nil {
		return fail("SO_SNDBUFFORCE", err)
	}
	if o.Ring {
		// The version and the ring come after PACKET_VNET_HDR, which
		// cannot change once a ring exists.
		mem, err := setupRing(fd, o)
		if err != nil {
			return fail("TPACKET_V3 ring", err)
		}
		*ringMem = mem
	}
	if o.frameRing() {
		mem, sz, err := setupFrameRing(fd, mtu, o)
		if err != nil {
			return fail("TPACKET_V2 ring", err)
		}
		*ringMem, *slot = mem, sz
	}
	sa := &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifindex}
	if err := unix.Bind(fd, sa); err != nil {
		return fail("bind", err)
	}
	if o.Promisc {
		mreq := unix.PacketMreq{Ifindex: int32(ifindex), Type: unix.PACKET_MR_PROMISC}
		if err := unix.SetsockoptPacketMreq(fd, unix.SOL_PACKET, unix.PACKET_ADD_MEMBERSHIP, &mreq); err != nil {
			return fail("PACKET_MR_PROMISC", err)
		}
	}
	if o.Recvmmsg && !o.Ring {
		// A ring socket queues nothing outside its ring, and the ring
		// filled only after bind, through the filter.
		drain(fd)
	}
	// Reading the statistics resets them: start from zero.
	unix.GetsockoptTpacketStats(fd, unix.SOL_PACKET, unix.PACKET_STATISTICS)
	return fd, nil
}

// drain discards frames queued before the filter was attached (bounded:
// the queue holds at most RcvBuf bytes, and new arrivals pass the filter).
func drain(fd int) {
	var buf [64]byte
	for i := 0; i < 1<<16; i++ {
		_, _, err := unix.Recvfrom(fd, buf[:], unix.MSG_DONTWAIT|unix.MSG_TRUNC)
		if err != nil {
			return
		}
	}
}

// retryable errors are those of an interface that is not there or not up
// yet.
func retryable(err error) bool {
	return errors.Is(err, unix.ENETDOWN) || errors.Is(err, unix.ENXIO) || errors.Is(err, unix.ENODEV)
}

// lookup finds the interface, waiting up to o.WaitUp for it to appear.
func lookup(name string, o *Options) (*net.Interface, error) {
	deadline := time.Now().Add(o.WaitUp)
	backoff := 10 * time.Millisecond
	for {
		ifi, err := net.InterfaceByName(name)
		if err == nil {
			return ifi, nil
		}
		if time.Now().Add(backoff).After(deadline) {
			return nil, err
		}
		if o.Logf != nil {
			o.Logf("afpacket: %s not there yet (%v), retrying in %v", name, err, backoff)
		}
		time.Sleep(backoff)
		backoff = min(2*backoff, time.Second)
	}
}
