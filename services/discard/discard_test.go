package discard

import (
	"net"
	"testing"

	"github.com/tcpbox/tcpbox/services/internal/svctest"
)

func TestDiscardCountsAndSendsNothing(t *testing.T) {
	var s Server
	addr, stop := svctest.TCP(t, s.Serve)
	c := svctest.Dial(t, "tcp", addr)
	c.Write(make([]byte, 300000))
	c.(*net.TCPConn).CloseWrite()
	n, _ := c.Read(make([]byte, 10))
	if n != 0 {
		t.Fatalf("discard sent %d bytes", n)
	}
	c.Close()
	stop()
	if got := s.Stats.Snapshot().BytesIn; got != 300000 {
		t.Fatalf("BytesIn = %d, want 300000", got)
	}
}
