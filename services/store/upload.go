package store

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path"
)

// reserveChunk is how much quota an upload of unknown length takes at a
// time.
const reserveChunk = 1 << 20

// Upload is a file being written. It is not safe for concurrent use.
// Every Upload ends with Commit, Abort or (partial uploads) Keep.
type Upload struct {
	s        *Store
	name     string
	file     string // temporary or partial file name in the root
	f        *os.File
	written  int64 // bytes in the file
	reserved int64 // quota taken beyond what the file held when opened
	h        hash.Hash
	base     int64 // bytes of a resumed partial file, already counted in Store.used
	partial  bool
	done     bool
}

// Create starts an upload of name. size is the announced length, or -1 when
// unknown (chunked): a known size is reserved against the quota at once
// (ErrQuota before any byte is stored); an unknown one is reserved as it
// arrives. The data goes to a temporary file in the same directory.
func (s *Store) Create(name string, size int64) (*Upload, error) {
	if err := CheckName(name, false); err != nil {
		return nil, err
	}
	if size > 0 {
		if err := s.reserve(size); err != nil {
			return nil, err
		}
	}
	u := &Upload{s: s, name: name, reserved: max(size, 0), h: sha256.New()}
	if err := s.mkParent(name); err != nil {
		u.s.release(u.reserved)
		return nil, err
	}
	dir, _ := path.Split(name)
	u.file = dir + tmpPrefix + randomSuffix()
	f, err := s.root.OpenFile(u.file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		u.s.release(u.reserved)
		return nil, err
	}
	u.f = f
	return u, nil
}

func (s *Store) mkParent(name string) error {
	dir, _ := path.Split(name)
	if dir == "" {
		return nil
	}
	return s.root.MkdirAll(path.Clean(dir), 0o755)
}

// Resume continues the partial upload of name, kept by an earlier Keep,
// or starts one. It returns the upload positioned at the end of what was
// received, whose Offset says how much that is. The SHA-256 so far is
// recomputed from the partial file.
func (s *Store) Resume(name string) (*Upload, error) {
	if err := CheckName(name, false); err != nil {
		return nil, err
	}
	if err := s.mkParent(name); err != nil {
		return nil, err
	}
	u := &Upload{s: s, name: name, file: partialName(name), h: sha256.New(), partial: true}
	f, err := s.root.OpenFile(u.file, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	n, err := io.Copy(u.h, f)
	if err != nil {
		f.Close()
		return nil, err
	}
	u.f, u.written, u.base = f, n, n
	return u, nil
}

// Offset returns the bytes stored so far.
func (u *Upload) Offset() int64 { return u.written }

// Truncate cuts a resumed upload back to n bytes (n <= Offset), for a
// client that resumes from an earlier point than the server has.
func (u *Upload) Truncate(n int64) error {
	if n < 0 || n > u.written {
		return fmt.Errorf("store: truncate to %d of %d", n, u.written)
	}
	if n == u.written {
		return nil
	}
	if err := u.f.Truncate(n); err != nil {
		return err
	}
	if _, err := u.f.Seek(n, io.SeekStart); err != nil {
		return err
	}
	// The quota held stays with the upload until it ends.
	u.written = n
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(u.f, 0, n)); err != nil {
		return err
	}
	u.h = h
	return nil
}

// Write stores p, taking quota as needed: ErrQuota stores nothing of p.
func (u *Upload) Write(p []byte) (int, error) {
	if u.done {
		return 0, errors.New("store: upload finished")
	}
	need := u.written + int64(len(p)) - u.reservedTotal()
	if need > 0 {
		chunk := max(need, reserveChunk)
		if err := u.s.reserve(chunk); err != nil {
			if err := u.s.reserve(need); err != nil {
				return 0, err
			}
			chunk = need
		}
		u.reserved += chunk
	}
	n, err := u.f.Write(p)
	u.written += int64(n)
	u.h.Write(p[:n])
	return n, err
}

// reservedTotal is the quota this upload holds: the partial file's bytes
// from earlier sessions are held in Store.used since they were written.
func (u *Upload) reservedTotal() int64 { return u.reserved + u.base }

// Sum returns the SHA-256 of what was stored so far.
func (u *Upload) Sum() []byte { return u.h.Sum(nil) }

// Commit syncs the data, renames the file to its name (replacing an older
// file of that name) and makes the rename durable. It returns the size and
// SHA-256.
func (u *Upload) Commit() (int64, []byte, error) {
	if u.done {
		return 0, nil, errors.New("store: upload finished")
	}
	u.done = true
	sum := u.h.Sum(nil)
	err := u.f.Sync()
	if cerr := u.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		u.s.root.Remove(u.file)
		u.s.release(u.reservedTotal())
		return 0, nil, err
	}
	var old int64
	if fi, err := u.s.root.Lstat(u.name); err == nil {
		if fi.IsDir() {
			u.s.root.Remove(u.file)
			u.s.release(u.reservedTotal())
			return 0, nil, fmt.Errorf("store: %s is a directory", u.name)
		}
		old = fi.Size()
	} else if !errors.Is(err, fs.ErrNotExist) {
		u.s.root.Remove(u.file)
		u.s.release(u.reservedTotal())
		return 0, nil, err
	}
	if err := u.s.root.Rename(u.file, u.name); err != nil {
		u.s.root.Remove(u.file)
		u.s.release(u.reservedTotal())
		return 0, nil, err
	}
	dir, _ := path.Split(u.name)
	u.s.syncDir(dir)
	// The file now holds written bytes of quota; give back the rest of
	// the reservation and the replaced file's bytes.
	u.s.release(u.reservedTotal() - u.written + old)
	return u.written, sum, nil
}

// Abort removes the file and gives back its quota.
func (u *Upload) Abort() {
	if u.done {
		return
	}
	u.done = true
	u.f.Close()
	u.s.root.Remove(u.file)
	u.s.release(u.reservedTotal())
}

// Keep ends a partial upload without completing it: the partial file stays
// for a later Resume, holding its bytes of quota.
func (u *Upload) Keep() {
	if u.done {
		return
	}
	u.done = true
	u.f.Sync()
	u.f.Close()
	u.s.release(u.reservedTotal() - u.written)
}

// DiscardPartial removes a kept partial upload of name, if any.
func (s *Store) DiscardPartial(name string) error {
	if err := CheckName(name, false); err != nil {
		return err
	}
	p := partialName(name)
	fi, err := s.root.Lstat(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	if err := s.root.Remove(p); err != nil {
		return err
	}
	s.release(fi.Size())
	return nil
}

// PartialSize returns the bytes of a kept partial upload of name, or -1
// when there is none.
func (s *Store) PartialSize(name string) (int64, error) {
	if err := CheckName(name, false); err != nil {
		return -1, err
	}
	fi, err := s.root.Lstat(partialName(name))
	if errors.Is(err, fs.ErrNotExist) {
		return -1, nil
	}
	if err != nil {
		return -1, err
	}
	return fi.Size(), nil
}
