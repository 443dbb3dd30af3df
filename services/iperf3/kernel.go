package iperf3

import (
	"errors"
	"fmt"
	"net"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Kernel implementations of the hooks, for the Linux kernel's stack (tests,
// and running tcpbox's services on a host's own sockets).

func rawConn(c net.Conn) (syscall.RawConn, error) {
	for {
		if u, ok := c.(interface{ Raw() net.Conn }); ok {
			c = u.Raw()
			continue
		}
		break
	}
	sc, ok := c.(syscall.Conn)
	if !ok {
		return nil, errors.New("iperf3: not a kernel socket")
	}
	return sc.SyscallConn()
}

// KernelStats reads TCP_INFO and TCP_CONGESTION of a kernel TCP socket.
func KernelStats(c net.Conn) (TCPStats, bool) {
	rc, err := rawConn(c)
	if err != nil {
		return TCPStats{}, false
	}
	var (
		info *unix.TCPInfo
		cc   string
		gerr error
	)
	if err := rc.Control(func(fd uintptr) {
		info, gerr = unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO)
		cc, _ = unix.GetsockoptString(int(fd), unix.IPPROTO_TCP, unix.TCP_CONGESTION)
	}); err != nil || gerr != nil {
		return TCPStats{}, false
	}
	return TCPStats{
		Retransmits: uint64(info.Total_retrans),
		Cwnd:        int(info.Snd_cwnd) * int(info.Snd_mss),
		RTT:         time.Duration(info.Rtt) * time.Microsecond,
		RTTVar:      time.Duration(info.Rttvar) * time.Microsecond,
		PMTU:        int(info.Pmtu),
		Congestion:  cc,
	}, true
}

func setOpts(fd int, o SockOpts) error {
	var errs []error
	if o.Window > 0 {
		errs = append(errs, unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, o.Window),
			unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, o.Window))
	}
	if o.MSS > 0 {
		errs = append(errs, unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_MAXSEG, o.MSS))
	}
	if o.NoDelay {
		errs = append(errs, unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1))
	}
	if o.Congestion != "" {
		if err := unix.SetsockoptString(fd, unix.IPPROTO_TCP, unix.TCP_CONGESTION, o.Congestion); err != nil {
			errs = append(errs, fmt.Errorf("congestion %q: %w", o.Congestion, err))
		}
	}
	return errors.Join(errs...)
}

// KernelTune applies o to an accepted kernel TCP socket with setsockopt.
// Linux takes TCP_MAXSEG on a connected socket without lowering its MSS
// (mss_clamp is fixed at the handshake), so -M shows on the kernel only
// through the client's own SYN; tcpbox's stack clamps it (SetMaxSeg).
func KernelTune(c net.Conn, o SockOpts) error {
	rc, err := rawConn(c)
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) { serr = setOpts(int(fd), o) }); err != nil {
		return err
	}
	return serr
}
