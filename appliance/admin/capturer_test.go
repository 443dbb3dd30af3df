package admin_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/appliance/admin"
	"github.com/tcpbox/tcpbox/nic/pcap"
)

func readPcap(t *testing.T, b []byte) [][]byte {
	t.Helper()
	r, err := pcap.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, append([]byte(nil), rec.Data...))
	}
}

func TestCapturerFilterStopDownload(t *testing.T) {
	clk := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	c := admin.NewCapturer(admin.CapturerOptions{Now: clk.Now})
	// Nothing running: frames go nowhere, and it costs no allocation.
	fr := frame(6, peer, dut, 40001, 50000, false, false)
	if n := testing.AllocsPerRun(100, func() { c.WriteFrame(clk.Now(), fr) }); n != 0 {
		t.Errorf("idle WriteFrame allocates %v", n)
	}
	if _, err := c.Start(admin.CaptureRequest{Filter: "tcp port", MaxBytes: 4096}); err == nil {
		t.Fatal("bad filter accepted")
	}
	if _, err := c.Start(admin.CaptureRequest{MaxBytes: 10}); err == nil {
		t.Fatal("tiny ring accepted")
	}
	a, err := c.Start(admin.CaptureRequest{Filter: "tcp port 50000", MaxBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	all, err := c.Start(admin.CaptureRequest{MaxBytes: 1 << 20, MaxDuration: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	other := frame(17, peer, dut, 5, 7, false, false)
	for i := range 10 {
		c.WriteFrame(clk.Now(), fr)
		c.WriteFrame(clk.Now(), other)
		clk.Advance(200 * time.Millisecond) // "all" ends after 1s: 5 rounds
		if i == 6 {
			c.Stop(a.ID)
		}
	}
	got := map[uint64]admin.CaptureInfo{}
	for _, i := range c.List() {
		got[i.ID] = i
	}
	if g := got[a.ID]; g.Running || g.Packets != 7 {
		t.Errorf("filtered capture: %+v", g)
	}
	if g := got[all.ID]; g.Running || g.Packets != 12 {
		t.Errorf("timed capture: %+v (want 12 frames: 6 rounds within 1s)", g)
	}
	var buf bytes.Buffer
	if err := c.WritePcap(a.ID, &buf); err != nil {
		t.Fatal(err)
	}
	frames := readPcap(t, buf.Bytes())
	if len(frames) != 7 || !bytes.Equal(frames[0], fr) {
		t.Fatalf("pcap holds %d frames", len(frames))
	}
	if err := c.WritePcap(99, &buf); err == nil {
		t.Error("unknown capture downloaded")
	}
	if _, err := exec.LookPath("tshark"); err == nil {
		p := filepath.Join(t.TempDir(), "a.pcap")
		os.WriteFile(p, buf.Bytes(), 0o600)
		out, err := exec.Command("tshark", "-r", p, "-T", "fields", "-e", "tcp.dstport").Output()
		if err != nil || strings.Count(string(out), "50000") != 7 {
			t.Errorf("tshark: %v %q", err, out)
		}
	}
}

func TestCapturerMemoryBound(t *testing.T) {
	c := admin.NewCapturer(admin.CapturerOptions{MaxTotalBytes: 3 << 20})
	a, _ := c.Start(admin.CaptureRequest{MaxBytes: 1 << 20})
	b, _ := c.Start(admin.CaptureRequest{MaxBytes: 1 << 20})
	if _, err := c.Start(admin.CaptureRequest{MaxBytes: 2 << 20}); err == nil {
		t.Fatal("started beyond the memory bound with everything running")
	}
	c.Stop(a.ID)
	if _, err := c.Start(admin.CaptureRequest{MaxBytes: 2 << 20}); err != nil {
		t.Fatalf("stopped capture not forgotten to make room: %v", err)
	}
	ids := []uint64{}
	for _, i := range c.List() {
		ids = append(ids, i.ID)
	}
	if len(ids) != 2 || ids[0] != b.ID {
		t.Fatalf("captures kept: %v", ids)
	}
}

// BenchmarkCapturerWriteFrame: the per-frame cost on the link with one
// capture running (a 4 MiB ring, filter "tcp port 50000").
func BenchmarkCapturerWriteFrame(b *testing.B) {
	c := admin.NewCapturer(admin.CapturerOptions{})
	if _, err := c.Start(admin.CaptureRequest{Filter: "tcp port 50000", MaxBytes: 4 << 20}); err != nil {
		b.Fatal(err)
	}
	fr := frame(6, peer, dut, 40001, 50000, false, false)
	fr = append(fr, make([]byte, 1400)...)
	now := time.Now()
	b.SetBytes(int64(len(fr)))
	b.ReportAllocs()
	for b.Loop() {
		c.WriteFrame(now, fr)
	}
}

// BenchmarkCapturerIdle: the cost when no capture runs.
func BenchmarkCapturerIdle(b *testing.B) {
	c := admin.NewCapturer(admin.CapturerOptions{})
	fr := frame(6, peer, dut, 40001, 50000, false, false)
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		c.WriteFrame(now, fr)
	}
}

func TestCapturerWriteFrameNoAllocs(t *testing.T) {
	c := admin.NewCapturer(admin.CapturerOptions{})
	if _, err := c.Start(admin.CaptureRequest{Filter: "tcp port 50000 or host 198.18.0.9", MaxBytes: 1 << 20}); err != nil {
		t.Fatal(err)
	}
	fr := frame(6, peer, dut, 40001, 50000, false, false)
	now := time.Now()
	if n := testing.AllocsPerRun(200, func() { c.WriteFrame(now, fr) }); n != 0 {
		t.Fatalf("WriteFrame with a capture running allocates %v per frame", n)
	}
}
