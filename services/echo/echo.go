// Package echo is the Echo service of RFC 862 over TCP and UDP: every byte
// received is sent back. Over TCP a half-close by the client is honoured
// (its FIN ends our sending side once all data is echoed), so `nc -N`
// works. It is not framed echo (see package framed).
package echo

import (
	"context"
	"io"
	"net"
	"time"

	"github.com/tcpbox/tcpbox/services/svc"
)

// Port is the well-known port (RFC 862).
const Port = 7

// Server is the TCP echo service.
type Server struct {
	Limits svc.Limits // zero value: svc.DefaultLimits
	Stats  svc.Stats
}

// Serve echoes on every connection from ln until ctx is cancelled or ln is
// closed, and returns once every connection has ended.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	lim := s.Limits.OrDefault()
	return svc.Serve(ctx, ln, lim, &s.Stats, s.handle)
}

func (s *Server) handle(ctx context.Context, c *svc.Conn) {
	// RFC 862 §2: "Once a connection is established any data received is
	// sent back." Stream until the client's FIN, then finish ours.
	buf := make([]byte, 32<<10)
	_, err := io.CopyBuffer(struct{ io.Writer }{c}, struct{ io.Reader }{c}, buf)
	if r := svc.Reason(err); r != "" {
		s.Stats.Error(r)
		return
	}
	c.CloseWrite()
}

// UDPServer is the UDP echo service (RFC 862 §3): each datagram is sent
// back to its source unchanged, at most Limit.Rate a second (a spoofed
// source cannot turn it into a flood at someone else).
type UDPServer struct {
	Limit svc.Bucket // zero: unlimited
	Stats svc.Stats
}

// Serve answers datagrams on pc until ctx is cancelled or pc is closed.
func (s *UDPServer) Serve(ctx context.Context, pc net.PacketConn) error {
	return svc.ServePacket(ctx, pc, &s.Stats, func(pc net.PacketConn, p []byte, from net.Addr) {
		if !s.Limit.Allow(time.Now()) {
			s.Stats.Error(svc.ReasonRateLimited)
			return
		}
		n, err := pc.WriteTo(p, from)
		if err != nil {
			s.Stats.Error("write")
			return
		}
		s.Stats.AddOut(n)
	})
}
