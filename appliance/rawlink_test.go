package appliance

import (
	"net"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tcpbox/tcpbox/nic"
)

// rawLink is a minimal AF_PACKET link for these tests only, one frame per
// system call, until nic/afpacket is wired into OpenAFPacket. It puts the
// interface in promiscuous mode so a stack MAC other than the
// interface's is heard.
type rawLink struct {
	fd      int
	ifindex int
	mac     [6]byte
	mtu     int
	closed  atomic.Bool
	buf     [][]byte
	rx, tx  atomic.Uint64
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

func openRawLink(iface string, mac [6]byte) (nic.Link, error) {
	ifi, err := net.InterfaceByName(iface)
	if err != nil {
		return nil, err
	}
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, int(htons(unix.ETH_P_ALL)))
	if err != nil {
		return nil, err
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifi.Index}); err != nil {
		unix.Close(fd)
		return nil, err
	}
	mreq := unix.PacketMreq{Ifindex: int32(ifi.Index), Type: unix.PACKET_MR_PROMISC}
	if err := unix.SetsockoptPacketMreq(fd, unix.SOL_PACKET, unix.PACKET_ADD_MEMBERSHIP, &mreq); err != nil {
		unix.Close(fd)
		return nil, err
	}
	tv := unix.NsecToTimeval(int64(50 * time.Millisecond))
	unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
	l := &rawLink{fd: fd, ifindex: ifi.Index, mtu: ifi.MTU}
	copy(l.mac[:], ifi.HardwareAddr)
	if mac != ([6]byte{}) {
		l.mac = mac
	}
	return l, nil
}

func (l *rawLink) ReadBatch(frames []nic.Frame) (int, error) {
	if l.buf == nil {
		l.buf = [][]byte{make([]byte, 65536)}
	}
	for {
		if l.closed.Load() {
			return 0, nic.ErrClosed
		}
		n, from, err := unix.Recvfrom(l.fd, l.buf[0], 0)
		if err != nil {
			if err == unix.EAGAIN || err == unix.EINTR {
				continue
			}
			if l.closed.Load() {
				return 0, nic.ErrClosed
			}
			return 0, err
		}
		if ll, ok := from.(*unix.SockaddrLinklayer); ok && ll.Pkttype == unix.PACKET_OUTGOING {
			continue
		}
		l.rx.Add(1)
		frames[0] = nic.Frame{Data: l.buf[0][:n]}
		return 1, nil
	}
}

func (l *rawLink) WriteBatch(frames []nic.Frame) (int, error) {
	for i, f := range frames {
		if err := unix.Sendto(l.fd, f.Data, 0, &unix.SockaddrLinklayer{Ifindex: l.ifindex}); err != nil {
			return i, err
		}
		l.tx.Add(1)
	}
	return len(frames), nil
}

func (l *rawLink) MTU() int     { return l.mtu }
func (l *rawLink) MAC() [6]byte { return l.mac }
func (l *rawLink) Stats() nic.Stats {
	return nic.Stats{RxFrames: l.rx.Load(), TxFrames: l.tx.Load()}
}
func (l *rawLink) Close() error {
	if l.closed.Swap(true) {
		return nil
	}
	// A reader blocked in recvfrom wakes within SO_RCVTIMEO (50 ms) and
	// sees closed; wait that long before freeing the descriptor so it
	// cannot be reused under the reader.
	time.Sleep(100 * time.Millisecond)
	return unix.Close(l.fd)
}
