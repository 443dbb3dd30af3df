package stack

import (
	"net/netip"
	"sync"
	"testing"

	"github.com/tcpbox/tcpbox/nic"
	"github.com/tcpbox/tcpbox/stack/wire"
)

// sinkLink is a Link that swallows what is written and never delivers
// anything: the test feeds frames straight into Stack.input, so the
// allocation counts (process-wide) see the stack alone.
type sinkLink struct {
	mu     sync.Mutex
	closed chan struct{}
	n      int
	last   []byte
}

func newSinkLink() *sinkLink {
	return &sinkLink{closed: make(chan struct{}), last: make([]byte, 0, 70000)}
}

func (l *sinkLink) ReadBatch([]nic.Frame) (int, error) { <-l.closed; return 0, nic.ErrClosed }
func (l *sinkLink) WriteBatch(f []nic.Frame) (int, error) {
	l.mu.Lock()
	l.n += len(f)
	l.last = append(l.last[:0], f[len(f)-1].Data...)
	l.mu.Unlock()
	return len(f), nil
}
func (l *sinkLink) MTU() int         { return 1500 }
func (l *sinkLink) MAC() [6]byte     { return dutMAC }
func (l *sinkLink) Stats() nic.Stats { return nic.Stats{} }
func (l *sinkLink) Close() error {
	select {
	case <-l.closed:
	default:
		close(l.closed)
	}
	return nil
}

func (l *sinkLink) written() (int, []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n, append([]byte(nil), l.last...)
}

func skipUnderRace(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
}

func newSinkStack(t testing.TB) (*Stack, *sinkLink) {
	l := newSinkLink()
	s, err := New(l, Options{Addr: dutNet, Clock: NewManualClock()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	// Teach it the peer's MAC.
	s.input(&nic.Frame{Data: arpFrame(wire.ARPRequest, peerMAC, wire.BroadcastMAC, peerIP, [6]byte{}, dutIP)})
	return s, l
}

func TestAllocsEchoReply(t *testing.T) {
	skipUnderRace(t)
	s, l := newSinkStack(t)
	f := nic.Frame{Data: ipFrame(wire.IPv4Header{Protocol: wire.ProtoICMP}, echoRequest(1, 1, make([]byte, 1400)))}
	before, _ := l.written()
	allocs := testing.AllocsPerRun(1000, func() { s.input(&f) })
	if allocs != 0 {
		t.Fatalf("echo reply: %v allocations per frame", allocs)
	}
	after, last := l.written()
	if after-before < 1000 {
		t.Fatalf("only %d replies for 1000+ requests", after-before)
	}
	e, _ := wire.ParseEthernet(last)
	p, err := wire.ParseIPv4(e.Payload())
	if err != nil || p.Protocol() != wire.ProtoICMP || p.Payload()[0] != wire.ICMPEchoReply {
		t.Fatalf("last frame is not an echo reply: %x", last)
	}
}

func TestAllocsUDPReceiveAndSend(t *testing.T) {
	skipUnderRace(t)
	s, l := newSinkStack(t)
	c, err := s.ListenUDP(netip.AddrPortFrom(netip.Addr{}, 7))
	if err != nil {
		t.Fatal(err)
	}
	f := nic.Frame{Data: ipFrame(wire.IPv4Header{Protocol: wire.ProtoUDP}, udpPayload(peerIP, dutIP, 40000, 7, make([]byte, 1000)))}
	buf := make([]byte, 2048)
	before, _ := l.written()
	allocs := testing.AllocsPerRun(1000, func() {
		s.input(&f)
		n, from, err := c.ReadFromUDPAddrPort(buf)
		if err != nil || n != 1000 {
			t.Fatalf("read %d %v", n, err)
		}
		if _, err := c.WriteToUDPAddrPort(buf[:n], from); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("UDP receive+send: %v allocations per datagram", allocs)
	}
	if after, _ := l.written(); after-before < 1000 {
		t.Fatalf("only %d datagrams sent", after-before)
	}
}

func TestAllocsDropBadChecksum(t *testing.T) {
	skipUnderRace(t)
	s, _ := newSinkStack(t)
	fr := ipFrame(wire.IPv4Header{Protocol: wire.ProtoUDP}, udpPayload(peerIP, dutIP, 40000, 7, make([]byte, 100)))
	fr[14+20+8] ^= 0xff // corrupt the payload: UDP checksum fails
	f := nic.Frame{Data: fr}
	allocs := testing.AllocsPerRun(1000, func() { s.input(&f) })
	if allocs != 0 {
		t.Fatalf("drop: %v allocations per frame", allocs)
	}
	if n := s.Stats().Drops[DropUDPChecksum]; n < 1000 {
		t.Fatalf("udp-checksum drops = %d", n)
	}
}

// Receive-path benchmarks: one frame per op through Stack.input, reported
// as frames per second.

func benchInput(b *testing.B, frame []byte) {
	s, _ := newSinkStack(b)
	f := nic.Frame{Data: frame}
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		s.input(&f)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
}

func BenchmarkInputEcho64(b *testing.B) {
	benchInput(b, ipFrame(wire.IPv4Header{Protocol: wire.ProtoICMP}, echoRequest(1, 1, make([]byte, 56))))
}

func BenchmarkInputEcho1472(b *testing.B) {
	benchInput(b, ipFrame(wire.IPv4Header{Protocol: wire.ProtoICMP}, echoRequest(1, 1, make([]byte, 1472))))
}

func BenchmarkInputUDPNoSocket(b *testing.B) {
	benchInput(b, ipFrame(wire.IPv4Header{Protocol: wire.ProtoUDP}, udpPayload(peerIP, dutIP, 40000, 9, make([]byte, 1472))))
}

func BenchmarkInputARPRequest(b *testing.B) {
	benchInput(b, arpFrame(wire.ARPRequest, peerMAC, wire.BroadcastMAC, peerIP, [6]byte{}, dutIP))
}

func BenchmarkInputUDPSocket(b *testing.B) {
	s, _ := newSinkStack(b)
	c, err := s.ListenUDP(netip.AddrPortFrom(netip.Addr{}, 7))
	if err != nil {
		b.Fatal(err)
	}
	f := nic.Frame{Data: ipFrame(wire.IPv4Header{Protocol: wire.ProtoUDP}, udpPayload(peerIP, dutIP, 40000, 7, make([]byte, 1472)))}
	buf := make([]byte, 2048)
	b.ReportAllocs()
	b.SetBytes(int64(len(f.Data)))
	for b.Loop() {
		s.input(&f)
		c.ReadFromUDPAddrPort(buf)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
}

// BenchmarkSendUDP is the send path: one 1472-byte datagram per op through
// UDPConn.WriteToUDPAddrPort to a resolved neighbour.
func BenchmarkSendUDP(b *testing.B) {
	s, _ := newSinkStack(b)
	c, err := s.ListenUDP(netip.AddrPort{})
	if err != nil {
		b.Fatal(err)
	}
	p := make([]byte, 1472)
	to := netip.AddrPortFrom(peerIP, 9)
	b.ReportAllocs()
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		c.WriteToUDPAddrPort(p, to)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
}
