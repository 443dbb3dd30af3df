// Package imagetest holds what the image tests share: blank disk files,
// partitions cut out of an image, and loop mounts, so that each test reads
// as "build a filesystem, let the Debian tool judge it". It is for tests
// only; nothing that builds images imports it.
package imagetest

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/tcpbox/tcpbox/hack/testbed"
)

// sectorSize is that of every image tcpbox builds (and of gpt.SectorSize,
// which this package cannot import: gpt's own tests use it).
const sectorSize = 512

// Blank creates a sparse file of size bytes, named name, in a directory
// the test removes, and closes it when the test ends.
func Blank(t testing.TB, name string, size int64) *os.File {
	t.Helper()
	f, err := os.Create(filepath.Join(t.TempDir(), name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	return f
}

// Extract copies the partition at sectors start to start+sectors of the
// disk image img to a file of its own, named name, and returns its path.
func Extract(t testing.TB, img string, start, sectors uint64, name string) string {
	t.Helper()
	in, err := os.Open(img)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out := Blank(t, name, 0)
	if _, err := io.Copy(out, io.NewSectionReader(in, int64(start)*sectorSize, int64(sectors)*sectorSize)); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Name()
}

// Mount loop-mounts img (a filesystem of type fstype) with the mount
// options opts on a new directory and returns it. The test must be root
// (testbed.Require). It is unmounted when the test ends unless Unmount ran
// first.
func Mount(t testing.TB, img, fstype, opts string) string {
	t.Helper()
	mnt := t.TempDir()
	testbed.Run(t, "mount", "-t", fstype, "-o", "loop,"+opts, img, mnt)
	t.Cleanup(func() { exec.Command("umount", mnt).Run() })
	return mnt
}

// Unmount unmounts what Mount mounted on mnt, failing the test if the
// kernel refuses (a busy or damaged filesystem).
func Unmount(t testing.TB, mnt string) {
	t.Helper()
	testbed.Run(t, "umount", mnt)
}
