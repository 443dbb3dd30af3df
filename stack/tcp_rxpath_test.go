package stack

import (
	"testing"
	"time"
)

// TestTCPKernelReceivePaths: 64 MiB each way from a kernel client
// through tcpbox's echo (SHA-256 both ways, bulkEchoOnce) along each
// receive path; with offloads off, in frames the capture finds
// well-formed with good checksums (with them on, the recorder keeps the
// kernel's partial checksums as they came, which tshark cannot judge). With offloads on the kernel's 64 KiB super-frames are read where
// they arrived (Stats.RxLent, tcp_lend.go), and not with
// Options.CopyReceive. With offloads off MTU-sized segments are joined
// before TCP (Stats.RxCoalesced, tcp_gro.go), also with CopyReceive, and
// not with Options.NoGRO.
func TestTCPKernelReceivePaths(t *testing.T) {
	if testing.Short() {
		t.Skip("bulk transfer: not in -short")
	}
	lent := func(s Stats) uint64 { return s.RxLent }
	joined := func(s Stats) uint64 { return s.RxCoalesced }
	for _, c := range []struct {
		name  string
		o     kernelBedOptions
		count func(Stats) uint64
		none  func(Stats) uint64 // must stay 0; nil: not checked
		want  bool               // count > 0
	}{
		{"lent", kernelBedOptions{offloads: true}, lent, nil, true},
		{"copied", kernelBedOptions{offloads: true, copyRx: true}, lent, nil, false},
		{"coalesced", kernelBedOptions{}, joined, nil, true},
		{"coalesced-copied", kernelBedOptions{copyRx: true}, joined, lent, true},
		{"nogro", kernelBedOptions{noGRO: true}, joined, nil, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.o.snapLen = 128
			b := newKernelBed(t, c.o)
			b.serveEcho(t)
			bulkEchoOnce(t, b, 64<<20, 2*time.Minute)
			st := b.st.Stats()
			t.Logf("%d frames received, %d payloads lent, %d segments joined to the one before", st.RxFrames, st.RxLent, st.RxCoalesced)
			if got := c.count(st) > 0; got != c.want {
				t.Errorf("counted %d, want more than 0: %v", c.count(st), c.want)
			}
			if c.none != nil && c.none(st) != 0 {
				t.Errorf("%d counted on the path that must not be taken", c.none(st))
			}
			if !c.o.offloads {
				b.checkCapture(t, false)
			}
		})
	}
}
