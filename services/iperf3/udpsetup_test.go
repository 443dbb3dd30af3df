package iperf3

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/services/frame"
	"github.com/tcpbox/tcpbox/services/internal/svctest"
)

// udpTestClient is the control side of a scripted UDP test, up to the
// point where the server asks for streams.
type udpTestClient struct {
	t    *testing.T
	ctrl net.Conn
	port int
}

func startUDPTest(t *testing.T, port int, cookie byte) *udpTestClient {
	t.Helper()
	c := svctest.Dial(t, "tcp", net.JoinHostPort("127.0.0.1", itoa(port)))
	c.Write(bytes.Repeat([]byte{cookie}, CookieLen))
	u := &udpTestClient{t: t, ctrl: c, port: port}
	u.expectState(ParamExchange, 30*time.Second)
	frame.Write(c, []byte(`{"udp":true,"time":1,"parallel":1,"len":100,"bandwidth":8000}`))
	return u
}

// state reads one state byte within d.
func (u *udpTestClient) state(d time.Duration) (int8, error) {
	u.ctrl.SetReadDeadline(time.Now().Add(d))
	var b [1]byte
	_, err := io.ReadFull(u.ctrl, b[:])
	return int8(b[0]), err
}

func (u *udpTestClient) expectState(want int8, d time.Duration) {
	u.t.Helper()
	if st, err := u.state(d); err != nil || st != want {
		u.t.Fatalf("state %d %v, want %d", st, err, want)
	}
}

// hello opens the test's one UDP stream ("9876", answered "6789").
func (u *udpTestClient) hello() {
	u.t.Helper()
	pc := svctest.Dial(u.t, "udp", net.JoinHostPort("127.0.0.1", itoa(u.port)))
	pc.Write(udpConnectMsg)
	var b [4]byte
	if n, err := pc.Read(b[:]); err != nil || !bytes.Equal(b[:n], udpConnectReply) {
		u.t.Fatalf("UDP connect reply %q %v", b[:n], err)
	}
}

// A UDP stream's hello names no test, so while one test from a client IP
// sets up its streams, a second from the same IP is not yet told to create
// its own: its hello could only be taken for the first test's. Scripted,
// so the order is forced: test A is asked for streams and holds its hello
// back; test B must not be asked until A's stream is there; then B gets
// its turn, and each test starts with its own stream.
func TestIperf3UDPSetupOneTestPerIP(t *testing.T) {
	port := startServer(t, &Server{})
	a := startUDPTest(t, port, 'a')
	a.expectState(CreateStreams, 30*time.Second)
	b := startUDPTest(t, port, 'b')
	// The only wait in the test: B must stay silent meanwhile. Were it
	// told to create streams, its hello would be given to A.
	if st, err := b.state(time.Second); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("test B got state %d (%v) while test A from the same IP was setting up its streams", st, err)
	}
	a.hello()
	a.expectState(TestStart, 30*time.Second)
	b.expectState(CreateStreams, 30*time.Second)
	b.hello()
	b.expectState(TestStart, 30*time.Second)
}
