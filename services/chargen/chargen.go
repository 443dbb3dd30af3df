// Package chargen is the Character Generator service of RFC 864 over TCP
// and UDP. TCP: the rotating 72-character lines stream until the client
// closes; what the client sends is read and discarded. UDP: each datagram
// is answered with a datagram of a random length from 0 to 512 characters
// of the same pattern. It is not a random-data source: for incompressible
// bytes use filehttp's /gen.
package chargen

import (
	"context"
	"io"
	"math/rand/v2"
	"net"
	"time"

	"github.com/tcpbox/tcpbox/services/svc"
)

// Port is the well-known port (RFC 864).
const Port = 19

// The pattern of RFC 864 §"The Data": the 95 printable ASCII characters
// (32 ' ' to 126 '~'), 72 per line, each line starting one character later
// than the one before, lines ending in CR LF.
const (
	printable = 95
	lineLen   = 72
	maxUDP    = 512 // RFC 864 UDP: "between 0 and 512 characters"
)

// pattern is one full cycle of lines (95 lines of 74 bytes); the stream is
// this cycle repeated, so writing it again and again continues it exactly.
var pattern = func() []byte {
	b := make([]byte, 0, printable*(lineLen+2))
	for line := 0; line < printable; line++ {
		for i := 0; i < lineLen; i++ {
			b = append(b, byte(' '+(line+i)%printable))
		}
		b = append(b, '\r', '\n')
	}
	return b
}()

// Pattern returns the first n bytes of the chargen stream (for tests and
// clients that check what they receive).
func Pattern(n int) []byte {
	out := make([]byte, 0, n)
	for len(out) < n {
		out = append(out, pattern[:min(len(pattern), n-len(out))]...)
	}
	return out
}

// Server is the TCP chargen service.
type Server struct {
	Limits svc.Limits // zero value: svc.DefaultLimits
	Stats  svc.Stats
}

// Serve streams the pattern on every connection from ln until ctx is
// cancelled or ln is closed, and returns once every connection has ended.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	lim := s.Limits.OrDefault()
	return svc.Serve(ctx, ln, lim, &s.Stats, s.handle)
}

func (s *Server) handle(ctx context.Context, c *svc.Conn) {
	// RFC 864 TCP: "the server simply sends data ... Any data received is
	// thrown away." The drain goroutine ends when the connection is closed
	// (by us on return, or by the peer).
	done := make(chan struct{})
	go func() {
		defer close(done)
		io.Copy(io.Discard, c.Raw())
	}()
	defer func() { c.Close(); <-done }()
	// 7 cycles (~50 KB) per write.
	buf := Pattern(7 * len(pattern))
	for {
		if _, err := c.Write(buf); err != nil {
			if r := svc.Reason(err); r != "" && r != "io_error" {
				s.Stats.Error(r)
			}
			return
		}
	}
}

// UDPServer is the UDP chargen service. It answers at most Limit.Rate
// datagrams a second: a 0-byte request draws up to 512 bytes, so without a
// limit a spoofed source makes it an amplifier.
type UDPServer struct {
	Limit svc.Bucket // zero: unlimited
	Stats svc.Stats
}

// Serve answers each datagram from pc until ctx is cancelled or pc is
// closed.
func (s *UDPServer) Serve(ctx context.Context, pc net.PacketConn) error {
	return svc.ServePacket(ctx, pc, &s.Stats, func(pc net.PacketConn, _ []byte, from net.Addr) {
		if !s.Limit.Allow(time.Now()) {
			s.Stats.Error(svc.ReasonRateLimited)
			return
		}
		// The reply starts at a line boundary, so each answer is
		// recognisable as the pattern.
		n := rand.IntN(maxUDP + 1)
		start := rand.IntN(printable) * (lineLen + 2)
		out := make([]byte, 0, maxUDP)
		for len(out) < n {
			end := min(len(pattern), start+n-len(out))
			out = append(out, pattern[start:end]...)
			start = 0
		}
		if m, err := pc.WriteTo(out, from); err != nil {
			s.Stats.Error("write")
		} else {
			s.Stats.AddOut(m)
		}
	})
}
