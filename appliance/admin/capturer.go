package admin

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tcpbox/tcpbox/nic/pcap"
)

// Capturer runs captures into bounded rings (nic/pcap.Ring). It is a
// pcap.Sink: the appliance puts it on the link with
// pcap.WrapSink(link, capturer, nil), and every frame in either direction
// is offered to each running capture whose filter matches. With no
// capture running, WriteFrame costs one atomic load.
type Capturer struct {
	now      func() time.Time
	maxTotal int64

	mu      sync.Mutex
	caps    []*capture // oldest first
	nextID  uint64
	running atomic.Pointer[[]*capture]
}

type capture struct {
	info     CaptureInfo
	ring     *pcap.Ring
	deadline time.Time // zero: until stopped
	stopped  atomic.Bool
}

// CapturerOptions bound a Capturer.
type CapturerOptions struct {
	// MaxTotalBytes bounds the rings of all captures kept together;
	// starting one beyond it forgets the oldest stopped captures, or is
	// refused. Default 256 MiB.
	MaxTotalBytes int64
	// Now is the clock (time.Now if nil).
	Now func() time.Time
}

// maxKeptCaptures bounds the list of captures.
const maxKeptCaptures = 16

// NewCapturer makes a Capturer.
func NewCapturer(o CapturerOptions) *Capturer {
	if o.MaxTotalBytes <= 0 {
		o.MaxTotalBytes = 256 << 20
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	c := &Capturer{now: o.Now, maxTotal: o.MaxTotalBytes}
	c.running.Store(&[]*capture{})
	return c
}

var (
	_ Captures  = (*Capturer)(nil)
	_ pcap.Sink = (*Capturer)(nil)
)

// WriteFrame offers one frame to the running captures. It does not keep
// frame. Safe for concurrent use.
func (c *Capturer) WriteFrame(ts time.Time, frame []byte) error {
	for _, cp := range *c.running.Load() {
		if cp.stopped.Load() || !cp.deadline.IsZero() && ts.After(cp.deadline) {
			continue
		}
		cp.ring.WriteFrame(ts, frame)
	}
	return nil
}

// Start begins a capture.
func (c *Capturer) Start(q CaptureRequest) (CaptureInfo, error) {
	filter, err := CompileFilter(q.Filter)
	if err != nil {
		return CaptureInfo{}, err
	}
	if q.MaxBytes < minCaptureBytes || q.MaxBytes > maxCaptureBytes {
		return CaptureInfo{}, fmt.Errorf("max_bytes: %d is outside %d to %d", q.MaxBytes, minCaptureBytes, maxCaptureBytes)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.expireLocked()
	// Make room: forget the oldest stopped captures.
	for c.totalLocked()+q.MaxBytes > c.maxTotal || len(c.caps) >= maxKeptCaptures {
		i := 0
		for i < len(c.caps) && c.caps[i].info.Running {
			i++
		}
		if i == len(c.caps) {
			return CaptureInfo{}, fmt.Errorf("capture memory is full (%d bytes in running captures, limit %d): stop one first", c.totalLocked(), c.maxTotal)
		}
		c.caps = append(c.caps[:i:i], c.caps[i+1:]...)
	}
	c.nextID++
	now := c.now()
	cp := &capture{info: CaptureInfo{ID: c.nextID, Request: q, Started: now, Running: true},
		ring: pcap.NewRing(pcap.RingOptions{MaxBytes: int(q.MaxBytes), MaxFrames: int(max(q.MaxBytes/64, 16)),
			SnapLen: pcap.DefaultSnapLen, Filter: filter})}
	if q.MaxDuration > 0 {
		cp.deadline = now.Add(q.MaxDuration)
	}
	c.caps = append(c.caps, cp)
	c.publishLocked()
	return c.infoOf(cp), nil
}

func (c *Capturer) totalLocked() int64 {
	var n int64
	for _, cp := range c.caps {
		n += cp.info.Request.MaxBytes
	}
	return n
}

// expireLocked marks captures past their deadline as stopped.
func (c *Capturer) expireLocked() {
	now := c.now()
	changed := false
	for _, cp := range c.caps {
		if cp.info.Running && !cp.deadline.IsZero() && now.After(cp.deadline) {
			cp.info.Running = false
			cp.stopped.Store(true)
			changed = true
		}
	}
	if changed {
		c.publishLocked()
	}
}

// publishLocked replaces the list WriteFrame reads (copy on write).
func (c *Capturer) publishLocked() {
	var run []*capture
	for _, cp := range c.caps {
		if cp.info.Running {
			run = append(run, cp)
		}
	}
	c.running.Store(&run)
}

// Stop ends a capture; its frames stay for download.
func (c *Capturer) Stop(id uint64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, cp := range c.caps {
		if cp.info.ID == id {
			cp.info.Running = false
			cp.stopped.Store(true)
			c.publishLocked()
			return nil
		}
	}
	return errors.New("no such capture")
}

func (c *Capturer) infoOf(cp *capture) CaptureInfo {
	i := cp.info
	s := cp.ring.Stats()
	i.Packets, i.Bytes, i.Dropped = uint64(s.Frames), uint64(s.Bytes), s.Evicted
	return i
}

// List describes the captures, oldest first.
func (c *Capturer) List() []CaptureInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.expireLocked()
	out := make([]CaptureInfo, 0, len(c.caps))
	for _, cp := range c.caps {
		out = append(out, c.infoOf(cp))
	}
	return out
}

// WritePcap writes a capture's frames as a pcap file.
func (c *Capturer) WritePcap(id uint64, w io.Writer) error {
	c.mu.Lock()
	var ring *pcap.Ring
	for _, cp := range c.caps {
		if cp.info.ID == id {
			ring = cp.ring
		}
	}
	c.mu.Unlock()
	if ring == nil {
		return errors.New("no such capture")
	}
	_, err := ring.WriteTo(w)
	return err
}
