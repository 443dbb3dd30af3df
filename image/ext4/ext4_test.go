package ext4

import (
	"bytes"
	"crypto/sha256"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tcpbox/tcpbox/hack/testbed"
	"github.com/tcpbox/tcpbox/image/internal/imagetest"
)

func format(t *testing.T, size int64, o Options) string {
	t.Helper()
	f := imagetest.Blank(t, "perm.img", size)
	o.Size = size
	if err := Format(f, o); err != nil {
		t.Fatal(err)
	}
	return f.Name()
}

var opts = Options{UUID: [16]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, Label: "perm", Time: 1700000000, Dirs: []string{"tcpbox"}}

func TestE2fsck(t *testing.T) {
	testbed.Tools(t, "e2fsck", "debugfs")
	// Sizes: one short group, exactly one group, several groups with
	// backups in groups 1, 3, 5, 7, 9 and a short last group, and a last
	// group too small to keep.
	// 64 GiB (an SD card): 512 groups, a group descriptor table of four
	// blocks, backups up to group 343 (7^3).
	for _, size := range []int64{8 << 20, 128 << 20, 1300<<20 + 4096*77, 256<<20 + 4096*10, 64 << 30} {
		p := format(t, size, opts)
		out, err := exec.Command("e2fsck", "-fn", p).CombinedOutput()
		if err != nil {
			t.Errorf("size %d: e2fsck -fn: %v\n%s", size, err, out)
			continue
		}
		out, err = exec.Command("debugfs", "-R", "ls -l /", p).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "lost+found") || !strings.Contains(string(out), "tcpbox") {
			t.Errorf("size %d: debugfs ls: %v\n%s", size, err, out)
		}
	}
}

func TestKernelMountWrite(t *testing.T) {
	testbed.Require(t, "mount", "umount", "e2fsck")
	p := format(t, 64<<20, opts)
	mnt := imagetest.Mount(t, p, "ext4", "rw")
	data := bytes.Repeat([]byte("perm "), 100000)
	werr := os.WriteFile(filepath.Join(mnt, "tcpbox", "config.json"), data, 0o600)
	imagetest.Unmount(t, mnt)
	if werr != nil {
		t.Fatal(werr)
	}
	if out, err := exec.Command("e2fsck", "-fn", p).CombinedOutput(); err != nil {
		t.Fatalf("e2fsck after the kernel wrote a file: %v\n%s", err, out)
	}
	mnt = imagetest.Mount(t, p, "ext4", "ro")
	got, err := os.ReadFile(filepath.Join(mnt, "tcpbox", "config.json"))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read back: %v (%d bytes)", err, len(got))
	}
}

func TestDeterministic(t *testing.T) {
	sum := func() [32]byte {
		b, _ := os.ReadFile(format(t, 300<<20, opts))
		return sha256.Sum256(b)
	}
	if sum() != sum() {
		t.Fatal("two formats differ")
	}
}

func TestZeroClearsGarbage(t *testing.T) {
	testbed.Tools(t, "e2fsck")
	p := filepath.Join(t.TempDir(), "dev.img")
	if err := os.WriteFile(p, bytes.Repeat([]byte{0xa5}, 40<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	f, _ := os.OpenFile(p, os.O_RDWR, 0)
	o := opts
	o.Size, o.Zero = 40<<20, true
	if err := Format(f, o); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if out, err := exec.Command("e2fsck", "-fn", p).CombinedOutput(); err != nil {
		t.Fatalf("e2fsck -fn over a region that held data: %v\n%s", err, out)
	}
}

func TestBadOptions(t *testing.T) {
	for _, o := range []Options{
		{Size: 64 << 10},
		{Size: 64 << 20, Label: "a label much too long"},
		{Size: 64 << 20, Dirs: []string{"a/b"}},
		{Size: 64 << 20, Dirs: []string{"x", "x"}},
		{Size: 64 << 20, Dirs: []string{"lost+found"}},
	} {
		if err := Format(discard{}, o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}

type discard struct{}

func (discard) WriteAt(p []byte, off int64) (int, error) { return len(p), nil }
