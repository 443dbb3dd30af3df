package echo

import (
	"bytes"
	"crypto/rand"
	"io"
	"net"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/services/internal/svctest"
	"github.com/tcpbox/tcpbox/services/svc"
)

func TestTCPEchoHalfClose(t *testing.T) {
	var s Server
	addr, _ := svctest.TCP(t, s.Serve)
	c := svctest.Dial(t, "tcp", addr)
	want := make([]byte, 1<<20)
	rand.Read(want)
	go func() {
		c.Write(want)
		c.(*net.TCPConn).CloseWrite() // half-close: we still read every byte back
	}()
	got, err := io.ReadAll(c)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("echoed %d bytes (%v), want %d identical", len(got), err, len(want))
	}
	c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for s.Stats.Snapshot().Active != 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if st := s.Stats.Snapshot(); st.BytesIn != 1<<20 || st.BytesOut != 1<<20 {
		t.Fatalf("stats %+v", st)
	}
}

func TestUDPEcho(t *testing.T) {
	var s UDPServer
	addr, _ := svctest.UDP(t, s.Serve)
	c := svctest.Dial(t, "udp", addr)
	for _, msg := range []string{"hello", "", "\x00\xff garbage"} {
		c.Write([]byte(msg))
		buf := make([]byte, 100)
		n, err := c.Read(buf)
		if err != nil || string(buf[:n]) != msg {
			t.Fatalf("echo of %q = %q, %v", msg, buf[:n], err)
		}
	}
}

func TestUDPEchoRateLimit(t *testing.T) {
	s := &UDPServer{Limit: svc.Bucket{Rate: 0.001, Burst: 2}}
	addr, _ := svctest.UDP(t, s.Serve)
	c := svctest.Dial(t, "udp", addr)
	for i := 0; i < 5; i++ {
		c.Write([]byte{byte(i)})
	}
	buf := make([]byte, 10)
	for i := 0; i < 2; i++ {
		if _, err := c.Read(buf); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for s.Stats.Snapshot().Errors[svc.ReasonRateLimited] != 3 {
		if time.Now().After(deadline) {
			t.Fatalf("errors %v", s.Stats.Snapshot().Errors)
		}
		time.Sleep(time.Millisecond)
	}
}
