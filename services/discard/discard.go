// Package discard is the Discard service of RFC 863 over TCP and UDP:
// everything received is thrown away and nothing is sent. Useful as a
// sink for throughput tests; bytes are counted in Stats. It is not a
// throughput meter: rates are for the client (or /sink over HTTP) to report.
package discard

import (
	"context"
	"io"
	"net"

	"github.com/tcpbox/tcpbox/services/svc"
)

// Port is the well-known port (RFC 863).
const Port = 9

// Server is the TCP discard service.
type Server struct {
	Limits svc.Limits // zero value: svc.DefaultLimits
	Stats  svc.Stats
}

// Serve discards on every connection from ln until ctx is cancelled or ln
// is closed, and returns once every connection has ended.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	lim := s.Limits.OrDefault()
	return svc.Serve(ctx, ln, lim, &s.Stats, func(ctx context.Context, c *svc.Conn) {
		// RFC 863 §2: "Any data received is thrown away. No response is
		// sent." Read until the client closes.
		buf := make([]byte, 64<<10)
		_, err := io.CopyBuffer(io.Discard, struct{ io.Reader }{c}, buf)
		if r := svc.Reason(err); r != "" {
			s.Stats.Error(r)
		}
	})
}

// UDPServer is the UDP discard service (RFC 863 §3).
type UDPServer struct {
	Stats svc.Stats
}

// Serve drops datagrams from pc until ctx is cancelled or pc is closed.
func (s *UDPServer) Serve(ctx context.Context, pc net.PacketConn) error {
	return svc.ServePacket(ctx, pc, &s.Stats, func(net.PacketConn, []byte, net.Addr) {})
}
