package capture

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/nic"
	"github.com/tcpbox/tcpbox/nic/pcap"
)

// Recorder is a link wrapper that records every frame the stack receives
// or sends into the current capture file. A frame being sent is recorded
// before it reaches the link: recorded after, a fast answer read by the
// receive goroutine meanwhile could land in the file ahead of the frame
// it answers. A capture may be bounded to its first frames, so that
// tshark's verdict on a bulk transfer takes seconds, not minutes.
type Recorder struct {
	nic.Link
	mu   sync.Mutex
	f    *os.File
	bw   *bufio.Writer // frames reach the file in 1 MiB writes
	w    *pcap.Writer
	left int // frames still to record; <0: unbounded
	path string
}

// NewRecorder wraps link; nothing is recorded until Start.
func NewRecorder(link nic.Link) *Recorder { return &Recorder{Link: link} }

func (r *Recorder) record(now time.Time, frames []nic.Frame) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range frames {
		if r.w == nil || r.left == 0 {
			return
		}
		r.w.WriteFrame(now, frames[i].Data)
		if r.left > 0 {
			r.left--
		}
	}
}

// ReadBatch reads from the link and records what it read.
func (r *Recorder) ReadBatch(frames []nic.Frame) (int, error) {
	n, err := r.Link.ReadBatch(frames)
	r.record(time.Now(), frames[:n])
	return n, err
}

// WriteBatch records the frames, then sends them.
func (r *Recorder) WriteBatch(frames []nic.Frame) (int, error) {
	r.record(time.Now(), frames)
	return r.Link.WriteBatch(frames)
}

// Start ends the current capture and records into a new file in t's
// temporary directory from now on: snapLen bytes of each frame (0: all),
// the first maxFrames frames (0: all). It returns the file's path.
// TCPBOX_KEEP_PCAP=dir keeps a copy named after the test for a person.
func (r *Recorder) Start(t testing.TB, snapLen, maxFrames int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "dut.pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	w, err := pcap.NewWriter(bw, snapLen)
	if err != nil {
		f.Close()
		t.Fatal(err)
	}
	r.swap(f, bw, w, maxFrames, path)
	t.Cleanup(func() {
		dir := os.Getenv("TCPBOX_KEEP_PCAP")
		if dir == "" {
			return
		}
		if r.Path() == path {
			r.Stop()
		}
		name := strings.NewReplacer("/", "_", " ", "_").Replace(t.Name()) + ".pcap"
		if data, err := os.ReadFile(path); err == nil {
			os.WriteFile(filepath.Join(dir, name), data, 0o644)
		}
	})
	return path
}

// Stop ends the current capture, so that its file is complete.
func (r *Recorder) Stop() { r.swap(nil, nil, nil, 0, r.Path()) }

// Path is the file of the current (or last) capture.
func (r *Recorder) Path() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.path
}

func (r *Recorder) swap(f *os.File, bw *bufio.Writer, w *pcap.Writer, max int, path string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.f != nil {
		r.bw.Flush()
		r.f.Close()
	}
	r.f, r.bw, r.w, r.left, r.path = f, bw, w, max, path
	if max <= 0 {
		r.left = -1
	}
}

// RxPending forwards the wrapped link's RxPending (nic/afpacket), so the
// stack behind a Recorder behaves as without it; false when the link has
// none.
func (r *Recorder) RxPending() bool { return nic.RxPending(r.Link) }

// TakeFrame forwards the wrapped link's (nic.FrameTaker): frames are
// recorded as ReadBatch returns them, before anyone could take them.
func (r *Recorder) TakeFrame(i int) nic.Releaser { return nic.TakeFrame(r.Link, i) }
