package store

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"sync"
	"time"
)

// ErrQuota is returned when an upload would take the store beyond its
// quota.
var ErrQuota = errors.New("store: quota exceeded")

// Prefixes of the store's own files.
const (
	tmpPrefix     = ".upload-"
	PartialPrefix = ".partial-"
)

// Store is a directory of files with a quota. Safe for concurrent use.
// Stores made by WithQuota share the directory and its account of bytes
// held with the one they came from; only the quota differs.
type Store struct {
	*account
	quota int64
}

// account is what every view of one directory shares: the open root and
// the bytes held in it, uploads in progress included.
type account struct {
	root *os.Root

	mu   sync.Mutex
	used int64 // bytes of files, partial files and reservations of uploads in progress
}

// Open opens (creating it if needed) the directory dir as a store holding
// at most quota bytes (0: no limit). Temporary files left by a crash are
// removed; partial files are kept for resuming.
func Open(dir string, quota int64) (*Store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	s := &Store{account: &account{root: root}, quota: quota}
	var stale []string
	err = fs.WalkDir(root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			if strings.HasPrefix(d.Name(), tmpPrefix) {
				stale = append(stale, p)
				return nil
			}
			if fi, err := d.Info(); err == nil {
				s.used += fi.Size()
			}
		}
		return nil
	})
	if err != nil {
		root.Close()
		return nil, fmt.Errorf("store: scan: %w", err)
	}
	for _, p := range stale {
		root.Remove(p)
	}
	return s, nil
}

// WithQuota returns a view of the same directory with another quota: one
// account of bytes held (files, partial files and reservations of uploads
// in progress) for all views, so two services storing into one directory
// cannot together exceed what either allows. A view's quota bounds the
// directory's total when an upload goes through that view.
func (s *Store) WithQuota(quota int64) *Store { return &Store{account: s.account, quota: quota} }

// Close releases the root directory, for every view of it.
func (s *Store) Close() error { return s.root.Close() }

// Root returns the directory handle (for tests and listings).
func (s *Store) Root() *os.Root { return s.root }

// Usage returns the bytes held (including uploads in progress) and the quota.
func (s *Store) Usage() (used, quota int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.used, s.quota
}

// reserve takes n bytes of quota or fails with ErrQuota.
func (s *Store) reserve(n int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n < 0 || (s.quota > 0 && s.used+n > s.quota) {
		return ErrQuota
	}
	s.used += n
	return nil
}

func (s *Store) release(n int64) {
	s.mu.Lock()
	s.used -= n
	s.mu.Unlock()
}

func rootName(name string) string {
	if name == "" {
		return "."
	}
	return name
}

// Open opens a file or directory by a checked name.
func (s *Store) Open(name string) (*os.File, fs.FileInfo, error) {
	if err := CheckName(name, true); err != nil {
		return nil, nil, err
	}
	f, err := s.root.Open(rootName(name))
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() && !fi.IsDir() {
		f.Close()
		return nil, nil, fs.ErrNotExist
	}
	return f, fi, nil
}

// Stat describes a file by a checked name.
func (s *Store) Stat(name string) (fs.FileInfo, error) {
	if err := CheckName(name, true); err != nil {
		return nil, err
	}
	return s.root.Stat(rootName(name))
}

// Entry is one item of a listing.
type Entry struct {
	Name    string    `json:"name"`
	Size    int64     `json:"size"`
	ModTime time.Time `json:"mtime"`
	Dir     bool      `json:"dir"`
}

// maxList bounds a listing.
const maxList = 10000

// List lists a directory, reserved names hidden, sorted by name, at most
// 10,000 entries.
func (s *Store) List(dir string) ([]Entry, error) {
	f, fi, err := s.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if !fi.IsDir() {
		return nil, fmt.Errorf("store: %s: not a directory", dir)
	}
	des, err := f.ReadDir(maxList)
	if err != nil && len(des) == 0 && !errors.Is(err, io.EOF) {
		return nil, err
	}
	out := make([]Entry, 0, len(des))
	for _, d := range des {
		if strings.HasPrefix(d.Name(), ".") {
			continue
		}
		info, err := d.Info()
		if err != nil || (!info.Mode().IsRegular() && !info.IsDir()) {
			continue
		}
		out = append(out, Entry{Name: d.Name(), Size: info.Size(), ModTime: info.ModTime().UTC(), Dir: info.IsDir()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Remove deletes a file (or an empty directory) by a checked name.
func (s *Store) Remove(name string) error {
	if err := CheckName(name, false); err != nil {
		return err
	}
	fi, err := s.root.Lstat(name)
	if err != nil {
		return err
	}
	if err := s.root.Remove(name); err != nil {
		return err
	}
	if fi.Mode().IsRegular() {
		s.release(fi.Size())
	}
	return nil
}

func randomSuffix() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// syncDir makes a rename in dir durable.
func (s *Store) syncDir(dir string) {
	if d, err := s.root.Open(rootName(dir)); err == nil {
		d.Sync()
		d.Close()
	}
}

func partialName(name string) string {
	dir, base := path.Split(name)
	return dir + PartialPrefix + base
}

// Fits reports whether n more bytes fit the quota now.
func (s *Store) Fits(n int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.quota <= 0 || s.used+n <= s.quota
}
