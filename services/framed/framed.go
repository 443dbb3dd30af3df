// Package framed is the framed echo service (port 50000): each request is
// a 4-byte big-endian length followed by that many bytes, and the same
// frame is sent back. A request is echoed only once it has fully arrived,
// so a client that writes a whole frame before reading cannot deadlock.
//
// An announced length above the maximum (16 MiB by default) closes the
// connection with a reset and counts a "frame_too_large" error. Memory is
// bounded: frames are buffered whole, and all connections together hold at
// most MaxBuffered bytes of frames (others wait for room).
//
// It is not a general message broker: no ordering across connections, no
// interpretation of the payload.
package framed

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"

	"github.com/tcpbox/tcpbox/services/frame"
	"github.com/tcpbox/tcpbox/services/svc"
)

// Port is the framed echo port.
const Port = 50000

// Defaults.
const (
	DefaultMaxFrame    = frame.DefaultMax
	DefaultMaxBuffered = 256 << 20
	smallFrame         = 64 << 10 // frames up to this use the per-connection buffer without the budget
)

// Error reasons counted in Stats.
const (
	ReasonTooLarge  = "frame_too_large"
	ReasonTruncated = "truncated_frame"
)

// Server is the framed echo service.
type Server struct {
	Limits      svc.Limits // zero value: svc.DefaultLimits
	MaxFrame    int        // largest payload accepted; 0 means DefaultMaxFrame
	MaxBuffered int        // bytes of large frames held at once by all connections; 0 means DefaultMaxBuffered
	Stats       svc.Stats

	once   sync.Once
	budget *budget
}

func (s *Server) init() {
	s.once.Do(func() {
		if s.MaxFrame <= 0 {
			s.MaxFrame = DefaultMaxFrame
		}
		if s.MaxBuffered <= 0 {
			s.MaxBuffered = DefaultMaxBuffered
		}
		s.budget = newBudget(max(s.MaxBuffered, s.MaxFrame))
	})
}

// Serve echoes frames on every connection from ln until ctx is cancelled
// or ln is closed, and returns once every connection has ended.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	s.init()
	lim := s.Limits.OrDefault()
	return svc.Serve(ctx, ln, lim, &s.Stats, s.handle)
}

func (s *Server) handle(ctx context.Context, c *svc.Conn) {
	small := make([]byte, frame.HeaderLen+smallFrame)
	for {
		n, err := frame.ReadHeader(c, s.MaxFrame)
		if err != nil {
			switch {
			case errors.Is(err, frame.ErrTooLarge):
				s.Stats.Error(ReasonTooLarge)
				svc.Reset(c)
			case err == io.EOF:
			case errors.Is(err, io.ErrUnexpectedEOF):
				s.Stats.Error(ReasonTruncated)
			default:
				if r := svc.Reason(err); r != "" {
					s.Stats.Error(r)
				}
			}
			return
		}
		buf := small
		if n > smallFrame {
			if err := s.budget.acquire(ctx, n); err != nil {
				return
			}
			buf = make([]byte, frame.HeaderLen+n)
		}
		err = s.echo(c, buf[:frame.HeaderLen+n], n)
		if n > smallFrame {
			s.budget.release(n)
		}
		if err != nil {
			return
		}
	}
}

// echo reads the n-byte payload into buf after the header and writes the
// whole frame back in one call.
func (s *Server) echo(c *svc.Conn, buf []byte, n int) error {
	frame.AppendHeader(buf[:0], n)
	if _, err := io.ReadFull(c, buf[frame.HeaderLen:]); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			s.Stats.Error(ReasonTruncated)
		} else if r := svc.Reason(err); r != "" {
			s.Stats.Error(r)
		}
		return err
	}
	if _, err := c.Write(buf); err != nil {
		if r := svc.Reason(err); r != "" {
			s.Stats.Error(r)
		}
		return err
	}
	return nil
}

// budget is a counting semaphore over bytes.
type budget struct {
	mu   sync.Mutex
	free int
	wake chan struct{} // closed and replaced when bytes are released
}

func newBudget(n int) *budget { return &budget{free: n, wake: make(chan struct{})} }

func (b *budget) acquire(ctx context.Context, n int) error {
	for {
		b.mu.Lock()
		if b.free >= n {
			b.free -= n
			b.mu.Unlock()
			return nil
		}
		w := b.wake
		b.mu.Unlock()
		select {
		case <-w:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (b *budget) release(n int) {
	b.mu.Lock()
	b.free += n
	close(b.wake)
	b.wake = make(chan struct{})
	b.mu.Unlock()
}
