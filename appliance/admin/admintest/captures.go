package admintest

import (
	"encoding/binary"
	"errors"
	"io"
	"sync"
	"time"

	"github.com/tcpbox/tcpbox/appliance/admin"
)

// Captures is a fake capture engine: a running capture "sees" 100 frames
// per second of a synthetic TCP exchange, bounded by its ring size; the
// download is a real pcap file (libpcap format, Ethernet link type) that
// tshark reads.
type Captures struct {
	now  func() time.Time
	mu   sync.Mutex
	caps []*capture
}

type capture struct {
	info    admin.CaptureInfo
	stopped time.Time
}

// maxCaptures bounds the list; the oldest stopped capture goes first.
const maxCaptures = 16

const frameLen = 14 + 20 + 20 + 100

func (c *Captures) Start(q admin.CaptureRequest) (admin.CaptureInfo, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.caps) >= maxCaptures {
		c.caps = c.caps[1:]
	}
	id := uint64(1)
	if n := len(c.caps); n > 0 {
		id = c.caps[n-1].info.ID + 1
	}
	cp := &capture{info: admin.CaptureInfo{ID: id, Request: q, Started: c.now(), Running: true}}
	c.caps = append(c.caps, cp)
	return cp.info, nil
}

func (c *Captures) Stop(id uint64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, cp := range c.caps {
		if cp.info.ID == id {
			if cp.info.Running {
				cp.info.Running = false
				cp.stopped = c.now()
			}
			return nil
		}
	}
	return errors.New("no such capture")
}

// frames returns how many frames the capture holds and how many it evicted.
func (c *Captures) frames(cp *capture) (kept, evicted uint64) {
	end := c.now()
	if !cp.info.Running {
		end = cp.stopped
	}
	if d := cp.info.Request.MaxDuration; d > 0 && end.Sub(cp.info.Started) > d {
		end = cp.info.Started.Add(d)
	}
	seen := uint64(end.Sub(cp.info.Started)/(10*time.Millisecond)) + 1
	room := uint64(cp.info.Request.MaxBytes / frameLen)
	if seen > room {
		return room, seen - room
	}
	return seen, 0
}

func (c *Captures) List() []admin.CaptureInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []admin.CaptureInfo
	for _, cp := range c.caps {
		i := cp.info
		if i.Running && i.Request.MaxDuration > 0 && c.now().Sub(i.Started) > i.Request.MaxDuration {
			i.Running = false
		}
		i.Packets, i.Dropped = c.frames(cp)
		i.Bytes = i.Packets * frameLen
		out = append(out, i)
	}
	return out
}

func (c *Captures) WritePcap(id uint64, w io.Writer) error {
	c.mu.Lock()
	var cp *capture
	for _, x := range c.caps {
		if x.info.ID == id {
			cp = x
		}
	}
	if cp == nil {
		c.mu.Unlock()
		return errors.New("no such capture")
	}
	kept, evicted := c.frames(cp)
	start := cp.info.Started
	c.mu.Unlock()

	// libpcap file header: magic, version 2.4, snaplen 65535, LINKTYPE_ETHERNET.
	hdr := make([]byte, 24)
	binary.LittleEndian.PutUint32(hdr[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(hdr[4:], 2)
	binary.LittleEndian.PutUint16(hdr[6:], 4)
	binary.LittleEndian.PutUint32(hdr[16:], 65535)
	binary.LittleEndian.PutUint32(hdr[20:], 1)
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	rec := make([]byte, 16+frameLen)
	for i := evicted; i < evicted+kept; i++ {
		ts := start.Add(time.Duration(i) * 10 * time.Millisecond)
		binary.LittleEndian.PutUint32(rec[0:], uint32(ts.Unix()))
		binary.LittleEndian.PutUint32(rec[4:], uint32(ts.Nanosecond()/1000))
		binary.LittleEndian.PutUint32(rec[8:], frameLen)
		binary.LittleEndian.PutUint32(rec[12:], frameLen)
		buildFrame(rec[16:], uint32(i))
		if _, err := w.Write(rec); err != nil {
			return err
		}
	}
	return nil
}

// buildFrame writes Ethernet + IPv4 + TCP (ACK|PSH, 100 payload bytes)
// from 198.18.0.1:40001 to 198.18.0.2:50000 with correct checksums.
func buildFrame(b []byte, seq uint32) {
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
