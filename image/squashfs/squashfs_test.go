package squashfs

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tcpbox/tcpbox/hack/testbed"
	"github.com/tcpbox/tcpbox/image/internal/imagetest"
)

type entry struct {
	data   []byte
	perm   fs.FileMode
	target string // symlink when set
	dir    bool
}

// sample covers the cases that matter: sizes around the block size, data
// that does and does not compress, a directory of 2000 entries (beyond one
// metadata block, several directory headers and the 64 KiB limit of a basic
// directory inode), deep nesting, an empty directory and symlinks.
func sample() map[string]entry {
	rnd := rand.New(rand.NewSource(1))
	random := make([]byte, 3*BlockSize+5)
	rnd.Read(random)
	m := map[string]entry{
		"gokrazy/init":     {data: bytes.Repeat([]byte("init "), 70000), perm: 0o755},
		"user/tcpbox":      {data: random, perm: 0o755},
		"etc/hostname":     {data: []byte("tcpbox\n"), perm: 0o644},
		"etc/gokr-pw.txt":  {data: []byte("secret"), perm: 0o400},
		"etc/empty":        {perm: 0o644},
		"etc/resolv.conf":  {target: "/tmp/resolv.conf"},
		"exact":            {data: bytes.Repeat([]byte{7}, BlockSize), perm: 0o644},
		"exact+1":          {data: bytes.Repeat([]byte{8}, BlockSize+1), perm: 0o644},
		"perm":             {dir: true, perm: 0o755},
		"a/b/c/d/e/f/deep": {data: []byte("deep"), perm: 0o600},
		"var":              {target: "/perm/var"},
	}
	for i := 0; i < 2000; i++ {
		name := fmt.Sprintf("lib/modules/big/a-rather-long-module-file-name-number-%04d.ko", i)
		m[name] = entry{data: []byte(name), perm: 0o644}
	}
	return m
}

func build(t *testing.T, m map[string]entry, compress bool) []byte {
	t.Helper()
	f := New()
	for p, e := range m {
		var err error
		switch {
		case e.dir:
			err = f.Mkdir(p, e.perm)
		case e.target != "":
			err = f.Symlink(p, e.target)
		default:
			err = f.AddFile(p, e.data, e.perm)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	img, err := f.Image(Options{ModTime: 1700000000, Compress: compress})
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func verify(t *testing.T, root string, m map[string]entry) {
	t.Helper()
	n := 0
	filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			n++
		}
		return nil
	})
	want := 0
	for _, e := range m {
		if !e.dir {
			want++
		}
	}
	if n != want {
		t.Errorf("extracted %d files and links, want %d", n, want)
	}
	for p, e := range m {
		full := filepath.Join(root, p)
		switch {
		case e.dir:
			if st, err := os.Stat(full); err != nil || !st.IsDir() {
				t.Errorf("%s: not a directory (%v)", p, err)
			}
		case e.target != "":
			if got, err := os.Readlink(full); err != nil || got != e.target {
				t.Errorf("%s: link to %q (%v), want %q", p, got, err, e.target)
			}
		default:
			got, err := os.ReadFile(full)
			if err != nil {
				t.Errorf("%s: %v", p, err)
				continue
			}
			if !bytes.Equal(got, e.data) {
				t.Errorf("%s: %d bytes differ from the %d written", p, len(got), len(e.data))
			}
			if st, _ := os.Lstat(full); st.Mode().Perm() != e.perm.Perm() {
				t.Errorf("%s: mode %v, want %v", p, st.Mode().Perm(), e.perm.Perm())
			}
		}
	}
}

func TestUnsquashfs(t *testing.T) {
	testbed.Tools(t, "unsquashfs")
	m := sample()
	for _, compress := range []bool{false, true} {
		t.Run(fmt.Sprintf("compress=%v", compress), func(t *testing.T) {
			dir := t.TempDir()
			img := filepath.Join(dir, "root.squashfs")
			if err := os.WriteFile(img, build(t, m, compress), 0o644); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "out")
			if o, err := exec.Command("unsquashfs", "-no-progress", "-d", out, img).CombinedOutput(); err != nil {
				t.Fatalf("unsquashfs: %v\n%s", err, o)
			}
			verify(t, out, m)
			o, err := exec.Command("unsquashfs", "-s", img).CombinedOutput()
			if err != nil {
				t.Fatalf("unsquashfs -s: %v\n%s", err, o)
			}
			if !strings.Contains(string(o), "Number of inodes") {
				t.Errorf("unsquashfs -s:\n%s", o)
			}
		})
	}
}

// TestKernelMount reads the image through the Linux kernel's squashfs,
// the reader that matters at boot.
func TestKernelMount(t *testing.T) {
	testbed.Require(t, "mount", "umount")
	m := sample()
	dir := t.TempDir()
	img := filepath.Join(dir, "root.squashfs")
	if err := os.WriteFile(img, build(t, m, true), 0o644); err != nil {
		t.Fatal(err)
	}
	mnt := imagetest.Mount(t, img, "squashfs", "ro")
	verify(t, mnt, m)
	// Lookups by name (not only readdir) must find entries in the large
	// directory: that exercises the sort order and header runs.
	for _, i := range []int{0, 255, 256, 1023, 1999} {
		p := filepath.Join(mnt, fmt.Sprintf("lib/modules/big/a-rather-long-module-file-name-number-%04d.ko", i))
		if _, err := os.Stat(p); err != nil {
			t.Errorf("lookup: %v", err)
		}
	}
}

func TestDeterministic(t *testing.T) {
	a := sha256.Sum256(build(t, sample(), true))
	b := sha256.Sum256(build(t, sample(), true))
	if a != b {
		t.Fatal("two builds of the same tree differ")
	}
}

func TestTypeConflict(t *testing.T) {
	f := New()
	if err := f.AddFile("etc/x", []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := f.AddFile("etc/x/y", nil, 0o644); err == nil {
		t.Error("file below a file accepted")
	}
	if err := f.Mkdir("etc/x", 0o755); err == nil {
		t.Error("directory over a file accepted")
	}
	if err := f.Symlink("l", ""); err == nil {
		t.Error("empty link target accepted")
	}
}
