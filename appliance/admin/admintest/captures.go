package admintest

import (
	"encoding/binary"
	"io"
	"sync"
	"time"

	"github.com/tcpbox/tcpbox/appliance/admin"
)

// Captures is the real capture engine (admin.Capturer) fed with a
// synthetic link: every 10 ms of the clock a frame, three TCP segments to
// port 50000 then one UDP datagram to port 7, with correct checksums.
// Frames are generated lazily, on each call, for the time passed since the
// previous call (no goroutine), at most maxFeed per call.
type Captures struct {
	*admin.Capturer
	now  func() time.Time
	mu   sync.Mutex
	last time.Time
	seq  uint32
}

const (
	tick     = 10 * time.Millisecond
	maxFeed  = 100_000
	frameLen = 14 + 20 + 20 + 100
)

func newCaptures(now func() time.Time) *Captures {
	return &Captures{Capturer: admin.NewCapturer(admin.CapturerOptions{Now: now}), now: now, last: now()}
}

func (c *Captures) feed() {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	buf := make([]byte, frameLen)
	for n := 0; n < maxFeed && !c.last.Add(tick).After(now); n++ {
		c.last = c.last.Add(tick)
		buildFrame(buf, c.seq)
		c.seq++
		c.Capturer.WriteFrame(c.last, buf)
	}
	if now.Sub(c.last) > tick {
		c.last = now // too far behind: skip ahead rather than loop
	}
}

// Start, Stop, List and WritePcap feed the frames due, then call the
// Capturer.
func (c *Captures) Start(q admin.CaptureRequest) (admin.CaptureInfo, error) {
	c.feed()
	return c.Capturer.Start(q)
}

func (c *Captures) Stop(id uint64) error { c.feed(); return c.Capturer.Stop(id) }

func (c *Captures) List() []admin.CaptureInfo { c.feed(); return c.Capturer.List() }

func (c *Captures) WritePcap(id uint64, w io.Writer) error {
	c.feed()
	return c.Capturer.WritePcap(id, w)
}

// buildFrame writes Ethernet + IPv4 + TCP (ACK|PSH, 100 payload bytes)
// from 198.18.0.1:40001 to 198.18.0.2:50000, or every fourth frame UDP
// to port 7 (with 112 payload bytes), with correct checksums.
func buildFrame(b []byte, seq uint32) {
	if seq%4 == 3 {
		buildUDP(b, seq)
		return
	}
	copy(b[0:6], []byte{0x02, 0, 0x5e, 0x10, 0, 2})
	copy(b[6:12], []byte{0x02, 0, 0x5e, 0x10, 0, 1})
	binary.BigEndian.PutUint16(b[12:], 0x0800)
	ip := b[14:34]
	clear(ip)
	ip[0] = 0x45
	binary.BigEndian.PutUint16(ip[2:], 20+20+100)
	binary.BigEndian.PutUint16(ip[4:], uint16(seq))
	ip[6] = 0x40 // DF
	ip[8] = 64
	ip[9] = 6
	copy(ip[12:16], []byte{198, 18, 0, 1})
	copy(ip[16:20], []byte{198, 18, 0, 2})
	binary.BigEndian.PutUint16(ip[10:], checksum(ip, 0))
	tcp := b[34:]
	clear(tcp[:20])
	binary.BigEndian.PutUint16(tcp[0:], 40001)
	binary.BigEndian.PutUint16(tcp[2:], 50000)
	binary.BigEndian.PutUint32(tcp[4:], 1000+seq*100)
	binary.BigEndian.PutUint32(tcp[8:], 5000)
	tcp[12] = 5 << 4
	tcp[13] = 0x18
	binary.BigEndian.PutUint16(tcp[14:], 65535)
	for i := range tcp[20:] {
		tcp[20+i] = byte('a' + (int(seq)+i)%26)
	}
	// Pseudo-header sum (RFC 9293 §3.1).
	ph := uint32(0xc612) + 0x0001 + 0xc612 + 0x0002 // 198.18.0.1, 198.18.0.2
	ph += 6 + uint32(len(tcp))                      // protocol, TCP length
	binary.BigEndian.PutUint16(tcp[16:], checksum(tcp, ph))
}

func buildUDP(b []byte, seq uint32) {
	buildFrame(b, 0) // Ethernet and IPv4 as for TCP
	ip := b[14:34]
	ip[9] = 17
	binary.BigEndian.PutUint16(ip[4:], uint16(seq))
	ip[10], ip[11] = 0, 0
	binary.BigEndian.PutUint16(ip[10:], checksum(ip, 0))
	udp := b[34:]
	binary.BigEndian.PutUint16(udp[0:], 33000)
	binary.BigEndian.PutUint16(udp[2:], 7)
	binary.BigEndian.PutUint16(udp[4:], uint16(len(udp)))
	udp[6], udp[7] = 0, 0
	ph := uint32(0xc612) + 0x0001 + 0xc612 + 0x0002 + 17 + uint32(len(udp))
	binary.BigEndian.PutUint16(udp[6:], checksum(udp, ph))
}

func checksum(b []byte, sum uint32) uint16 {
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}
