package stack

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"syscall"

	"github.com/tcpbox/tcpbox/stack/tcp"
)

// The public API's error vocabulary is the standard library's: a
// *net.OpError whose Err is syscall.ECONNREFUSED, ECONNRESET, ETIMEDOUT,
// os.ErrDeadlineExceeded or net.ErrClosed, so errors.Is behaves exactly
// as with a kernel socket. Read returns a bare io.EOF, as net.TCPConn
// does, because io.Copy and friends compare with == io.EOF.

// tcpErrno maps an error of the state machine to the errno a kernel socket
// would report.
func tcpErrno(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, tcp.ErrConnRefused):
		return syscall.ECONNREFUSED
	case errors.Is(err, tcp.ErrConnReset):
		return syscall.ECONNRESET
	case errors.Is(err, tcp.ErrTimeout):
		return syscall.ETIMEDOUT
	case errors.Is(err, tcp.ErrClosed):
		return net.ErrClosed
	case errors.Is(err, tcp.ErrAborted):
		return syscall.ECONNABORTED
	case errors.Is(err, tcp.ErrWriteClosed):
		return syscall.EPIPE
	case errors.Is(err, tcp.ErrNotConnected):
		return syscall.ENOTCONN
	case errors.Is(err, io.EOF), errors.Is(err, os.ErrDeadlineExceeded),
		errors.Is(err, net.ErrClosed), errors.Is(err, syscall.EPIPE):
		return err
	}
	return err
}

func tcpAddr(ap netip.AddrPort) net.Addr {
	if !ap.IsValid() {
		return nil
	}
	return net.TCPAddrFromAddrPort(ap)
}

// opError wraps err for the public API; io.EOF stays bare.
func opError(op string, local, remote netip.AddrPort, err error) error {
	if err == nil || err == io.EOF {
		return err
	}
	return &net.OpError{Op: op, Net: "tcp", Source: tcpAddr(local), Addr: tcpAddr(remote), Err: tcpErrno(err)}
}
