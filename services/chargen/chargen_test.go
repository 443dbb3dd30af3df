package chargen

import (
	"bytes"
	"io"
	"testing"

	"github.com/tcpbox/tcpbox/services/internal/svctest"
)

// RFC 864's example: the first line is " !\"#$%&..." 72 characters, the
// second starts one character later.
func TestPatternLines(t *testing.T) {
	p := Pattern(2 * 74)
	if string(p[:3]) != ` !"` || string(p[72:74]) != "\r\n" || p[74] != '!' {
		t.Fatalf("pattern starts %q", p[:80])
	}
	// Line 94 starts with '~' and wraps to ' '.
	l := pattern[94*74 : 95*74]
	if l[0] != '~' || l[1] != ' ' {
		t.Fatalf("line 94 = %q", l[:4])
	}
}

func TestTCPStream(t *testing.T) {
	var s Server
	addr, _ := svctest.TCP(t, s.Serve)
	c := svctest.Dial(t, "tcp", addr)
	c.Write([]byte("ignored input"))
	got := make([]byte, 200000)
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, Pattern(len(got))) {
		t.Fatal("stream differs from the RFC 864 pattern")
	}
}

func TestUDP(t *testing.T) {
	var s UDPServer
	addr, _ := svctest.UDP(t, s.Serve)
	c := svctest.Dial(t, "udp", addr)
	for i := 0; i < 20; i++ {
		c.Write([]byte{byte(i)})
		buf := make([]byte, 2000)
		n, err := c.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		if n > 512 {
			t.Fatalf("datagram of %d bytes > 512", n)
		}
		if n > 0 && !bytes.Contains(Pattern(2*len(pattern)), buf[:n]) {
			t.Fatalf("datagram %q is not the pattern", buf[:n])
		}
	}
}
