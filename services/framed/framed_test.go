package framed

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/services/frame"
	"github.com/tcpbox/tcpbox/services/internal/svctest"
)

func start(t *testing.T, s *Server) string {
	t.Helper()
	addr, _ := svctest.TCP(t, s.Serve)
	return addr
}

func dial(t *testing.T, addr string) net.Conn { return svctest.Dial(t, "tcp", addr) }

func TestEchoSizes(t *testing.T) {
	s := &Server{MaxFrame: 4 << 20}
	c := dial(t, start(t, s))
	for _, n := range []int{0, 1, 1000, smallFrame, smallFrame + 1, 4 << 20} {
		p := make([]byte, n)
		rand.Read(p)
		if err := frame.Write(c, p); err != nil {
			t.Fatal(err)
		}
		got, err := frame.Read(c, nil, 4<<20)
		if err != nil || !bytes.Equal(got, p) {
			t.Fatalf("frame of %d: got %d bytes, %v", n, len(got), err)
		}
	}
}

// A client announcing a frame above the maximum is reset and counted; a
// good client at the same time does not notice.
func TestTooLargeResetsOnlyOffender(t *testing.T) {
	s := &Server{MaxFrame: 1024}
	addr := start(t, s)
	good := dial(t, addr)
	bad := dial(t, addr)
	frame.Write(good, []byte("before"))
	if _, err := frame.Read(good, nil, 1024); err != nil {
		t.Fatal(err)
	}
	bad.Write([]byte{0, 0, 4, 1}) // 1025
	_, err := bad.Read(make([]byte, 1))
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("offender read: %v, want ECONNRESET", err)
	}
	frame.Write(good, []byte("after"))
	if p, err := frame.Read(good, nil, 1024); err != nil || string(p) != "after" {
		t.Fatalf("good client: %q %v", p, err)
	}
	if got := s.Stats.Snapshot().Errors[ReasonTooLarge]; got != 1 {
		t.Fatalf("%s = %d", ReasonTooLarge, got)
	}
}

// Garbage then close: counted as a truncated frame, nothing echoed.
func TestGarbage(t *testing.T) {
	s := &Server{MaxFrame: 1 << 20}
	c := dial(t, start(t, s))
	c.Write([]byte{0, 0, 0, 9, 'x', 'y'})
	c.(*net.TCPConn).CloseWrite()
	if b, _ := io.ReadAll(c); len(b) != 0 {
		t.Fatalf("echoed %q for a truncated frame", b)
	}
	deadline := time.Now().Add(10 * time.Second)
	for s.Stats.Snapshot().Errors[ReasonTruncated] != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("errors %v", s.Stats.Snapshot().Errors)
		}
		time.Sleep(time.Millisecond)
	}
}
