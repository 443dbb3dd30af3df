package discard

import (
	"context"
	"net"
	"testing"
	"time"
)

func TestDiscardCountsAndSendsNothing(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var s Server
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(30 * time.Second))
	c.Write(make([]byte, 300000))
	c.(*net.TCPConn).CloseWrite()
	n, _ := c.Read(make([]byte, 10))
	if n != 0 {
		t.Fatalf("discard sent %d bytes", n)
	}
	c.Close()
	cancel()
	<-done
	if got := s.Stats.Snapshot().BytesIn; got != 300000 {
		t.Fatalf("BytesIn = %d, want 300000", got)
	}
}
