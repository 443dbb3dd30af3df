package store

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckName(t *testing.T) {
	for _, ok := range []string{"a", "a/b.txt", "dir/sub/file-1_2", "%2e%2e", "ünïcode"} {
		if err := CheckName(ok, false); err != nil {
			t.Errorf("CheckName(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "..", "../x", "a/../b", "a/..", "/etc/passwd", "./a", "a//b", "a/", "a\\b",
		"a\x00b", ".hidden", "a/.partial-x", "a\nb", strings.Repeat("x", 256)} {
		if err := CheckName(bad, false); !errors.Is(err, ErrBadName) {
			t.Errorf("CheckName(%q) = %v, want ErrBadName", bad, err)
		}
	}
}

func FuzzCheckName(f *testing.F) {
	for _, s := range []string{"a/b", "../x", "%2e%2e", "a\\b", "/abs"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if CheckName(name, false) != nil {
			return
		}
		// An accepted name never leaves the root when joined.
		if !filepath.IsLocal(name) || strings.Contains(name, "\\") {
			t.Fatalf("accepted %q", name)
		}
	})
}

func open(t *testing.T, quota int64) (*Store, string) {
	dir := t.TempDir()
	s, err := Open(dir, quota)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, dir
}

func names(t *testing.T, dir string) []string {
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range des {
		out = append(out, d.Name())
	}
	return out
}

func TestUploadCommitAbortQuota(t *testing.T) {
	s, dir := open(t, 1000)
	u, err := s.Create("f", 600)
	if err != nil {
		t.Fatal(err)
	}
	u.Write(bytes.Repeat([]byte{'a'}, 600))
	if _, err := s.Create("g", 500); !errors.Is(err, ErrQuota) {
		t.Fatalf("second upload beyond quota: %v", err)
	}
	n, sum, err := u.Commit()
	want := sha256.Sum256(bytes.Repeat([]byte{'a'}, 600))
	if err != nil || n != 600 || !bytes.Equal(sum, want[:]) {
		t.Fatalf("Commit = %d %x %v", n, sum, err)
	}
	if used, _ := s.Usage(); used != 600 {
		t.Fatalf("used %d", used)
	}
	// Unknown length: refused once it passes the quota; nothing left.
	u, err = s.Create("h", -1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := u.Write(make([]byte, 300)); err != nil {
		t.Fatal(err)
	}
	if _, err := u.Write(make([]byte, 200)); !errors.Is(err, ErrQuota) {
		t.Fatalf("write beyond quota: %v", err)
	}
	u.Abort()
	if got := names(t, dir); len(got) != 1 || got[0] != "f" {
		t.Fatalf("dir holds %v", got)
	}
	if used, _ := s.Usage(); used != 600 {
		t.Fatalf("used %d after abort", used)
	}
	// Replacing f with a smaller file gives back the difference.
	u, _ = s.Create("f", 100)
	u.Write(make([]byte, 100))
	u.Commit()
	if used, _ := s.Usage(); used != 100 {
		t.Fatalf("used %d after replace", used)
	}
	s.Remove("f")
	if used, _ := s.Usage(); used != 0 {
		t.Fatalf("used %d after remove", used)
	}
}

func TestResume(t *testing.T) {
	s, dir := open(t, 0)
	data := bytes.Repeat([]byte("0123456789"), 1000)
	u, err := s.Resume("r")
	if err != nil || u.Offset() != 0 {
		t.Fatal(err)
	}
	u.Write(data[:4000])
	u.Keep()
	if got := names(t, dir); len(got) != 1 || got[0] != PartialPrefix+"r" {
		t.Fatalf("dir holds %v", got)
	}
	if l, _ := s.List(""); len(l) != 0 {
		t.Fatalf("partial listed: %v", l)
	}
	u, err = s.Resume("r")
	if err != nil || u.Offset() != 4000 {
		t.Fatalf("resume at %d, %v", u.Offset(), err)
	}
	if err := u.Truncate(3000); err != nil {
		t.Fatal(err)
	}
	u.Write(data[3000:])
	n, sum, err := u.Commit()
	want := sha256.Sum256(data)
	if err != nil || n != int64(len(data)) || !bytes.Equal(sum, want[:]) {
		t.Fatalf("commit %d %x %v", n, sum, err)
	}
	f, _, err := s.Open("r")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(f)
	f.Close()
	if !bytes.Equal(got, data) {
		t.Fatal("content differs")
	}
	if used, _ := s.Usage(); used != int64(len(data)) {
		t.Fatalf("used %d", used)
	}
}

// A symlink inside the root pointing out cannot be followed.
func TestSymlinkOut(t *testing.T) {
	s, dir := open(t, 0)
	if err := os.Symlink("/etc", filepath.Join(dir, "out")); err != nil {
		t.Skip(err)
	}
	if _, _, err := s.Open("out/passwd"); err == nil {
		t.Fatal("followed a symlink out of the root")
	}
}

// Stale temporary files from a crash are removed when the store opens.
func TestOpenRemovesStaleTemp(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, tmpPrefix+"x"), []byte("junk"), 0o644)
	os.WriteFile(filepath.Join(dir, "keep"), []byte("data"), 0o644)
	s, err := Open(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := names(t, dir); len(got) != 1 || got[0] != "keep" {
		t.Fatalf("dir holds %v", got)
	}
	if used, _ := s.Usage(); used != 4 {
		t.Fatalf("used %d", used)
	}
}

// Views made by WithQuota share one account: what one holds, including an
// upload in progress, counts against the other's quota, and each refuses
// by its own quota.
func TestWithQuotaSharesAccount(t *testing.T) {
	a, dir := open(t, 1000)
	b := a.WithQuota(1000)
	small := a.WithQuota(500)
	u, err := a.Create("f", 700)
	if err != nil {
		t.Fatal(err)
	}
	// In progress: the reservation already counts for b.
	if _, err := b.Create("g", 400); !errors.Is(err, ErrQuota) {
		t.Fatalf("b beyond the shared quota while a uploads: %v", err)
	}
	u.Write(make([]byte, 700))
	if _, _, err := u.Commit(); err != nil {
		t.Fatal(err)
	}
	g, err := b.Create("g", -1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.Write(make([]byte, 400)); !errors.Is(err, ErrQuota) {
		t.Fatalf("b writes beyond the shared quota: %v", err)
	}
	g.Abort()
	if _, err := small.Create("h", 1); !errors.Is(err, ErrQuota) {
		t.Fatalf("a 500-byte view over 700 bytes held: %v", err)
	}
	if used, q := b.Usage(); used != 700 || q != 1000 {
		t.Fatalf("b.Usage = %d, %d", used, q)
	}
	if err := b.Remove("f"); err != nil {
		t.Fatal(err)
	}
	if used, _ := a.Usage(); used != 0 {
		t.Fatalf("a holds %d after b removed f", used)
	}
	if got := names(t, dir); len(got) != 0 {
		t.Fatalf("dir holds %v", got)
	}
}
