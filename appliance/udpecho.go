package appliance

import (
	"errors"
	"net"
)

// ServeUDPEcho answers every datagram on pc with the same bytes to its
// sender (RFC 862, UDP echo) until pc is closed, then returns nil. It
// knows nothing of tcpbox's stack: any net.PacketConn works, so the
// services package can replace it without touching the wiring.
func ServeUDPEcho(pc net.PacketConn) error {
	buf := make([]byte, 65536)
	for {
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return err
		}
		// A failed send (no route, ARP failure) loses one echo, as on a
		// kernel socket; the service keeps going.
		pc.WriteTo(buf[:n], from)
	}
}
