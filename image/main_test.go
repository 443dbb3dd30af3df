package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tcpbox/tcpbox/hack/testbed"
	"github.com/tcpbox/tcpbox/image/build"
	"github.com/tcpbox/tcpbox/image/internal/imagetest"
)

// TestBlockDevice writes an image to a loop device whose /perm area held
// other data before, as a reused SD card does: the device's size is taken
// whole and /perm must still check clean.
func TestBlockDevice(t *testing.T) {
	testbed.Require(t, "losetup", "sgdisk", "e2fsck")
	dir := t.TempDir()
	bin := filepath.Join(dir, "tcpbox")
	os.WriteFile(bin, []byte("tcpbox bytes for the block device test"), 0o755)
	cfg := &build.Config{Target: "amd64", Password: "pw", RepoDir: "..", TcpboxBinary: bin}
	const size = build.MinDiskSize + 8*build.MiB
	f := imagetest.Blank(t, "card.img", size)
	backing := f.Name()
	tab, err := build.Layout(cfg, size)
	if err != nil {
		t.Fatal(err)
	}
	perm := tab.Partitions[3]
	junk := bytes.Repeat([]byte{0xa5}, 1<<20)
	for off := int64(0); off < 48<<20; off += int64(len(junk)) {
		f.WriteAt(junk, int64(perm.Start)*512+off)
	}
	f.Close()
	out, err := exec.Command("losetup", "-f", "--show", backing).CombinedOutput()
	if err != nil {
		t.Fatalf("losetup: %v\n%s", err, out)
	}
	dev := strings.TrimSpace(string(out))
	t.Cleanup(func() { exec.Command("losetup", "-d", dev).Run() })
	if err := writeImage(dev, 0, cfg); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("sgdisk", "-v", dev).CombinedOutput(); err != nil || !strings.Contains(string(out), "No problems found") {
		t.Errorf("sgdisk -v: %v\n%s", err, out)
	}
	p := imagetest.Extract(t, backing, perm.Start, perm.Sectors, "perm")
	if out, err := exec.Command("e2fsck", "-fn", p).CombinedOutput(); err != nil {
		t.Errorf("e2fsck /perm over old data: %v\n%s", err, out)
	}
}
