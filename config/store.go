package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// File names inside the state directory.
const (
	FileName     = "config.json"          // the configuration
	GoodName     = "config.json.good"     // the last configuration known to load
	RejectedName = "config.json.rejected" // a file refused at start, kept for people
	tmpPrefix    = ".config.tmp-"
)

// Store holds the configuration of one state directory. It is safe for
// concurrent use; Save serializes writers.
type Store struct {
	dir     string
	mu      sync.Mutex
	cur     Config
	warning string
}

// Open loads dir/config.json (creating dir and, at first start, a file of
// defaults). If the file is corrupt or invalid, Open falls back to the
// last good copy (or the defaults) and returns a warning for the caller to
// show on the page and in the log; the refused file is kept as
// config.json.rejected. The error is for I/O failures only.
func Open(dir string) (*Store, string, error) {
	s := &Store{dir: dir}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, "", err
	}
	removeTemps(dir)
	data, err := os.ReadFile(filepath.Join(dir, FileName))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if c, gerr := s.loadGood(); gerr == nil {
			s.cur = c
			s.warning = fmt.Sprintf("%s is missing; started with the last good copy %s", FileName, GoodName)
			return s, s.warning, nil
		}
		s.cur = Defaults()
		return s, "", s.write(&s.cur)
	case err != nil:
		return nil, "", err
	}
	c, derr := Decode(data)
	if derr == nil {
		s.cur = c
		// Keep the good copy equal to what we run with.
		enc, err := Encode(&c)
		if err != nil {
			return nil, "", err
		}
		if old, _ := os.ReadFile(filepath.Join(dir, GoodName)); !bytes.Equal(old, enc) {
			if err := writeAtomic(dir, GoodName, enc); err != nil {
				return nil, "", err
			}
		}
		return s, "", nil
	}
	if err := writeAtomic(dir, RejectedName, data); err != nil {
		return nil, "", err
	}
	if g, gerr := s.loadGood(); gerr == nil {
		s.cur = g
		s.warning = fmt.Sprintf("%s was refused (%v); started with the last good copy %s; the refused file is kept as %s", FileName, derr, GoodName, RejectedName)
	} else {
		s.cur = Defaults()
		s.warning = fmt.Sprintf("%s was refused (%v) and %s did not load either (%v); started with the defaults; the refused file is kept as %s", FileName, derr, GoodName, gerr, RejectedName)
	}
	return s, s.warning, nil
}

func (s *Store) loadGood() (Config, error) {
	data, err := os.ReadFile(filepath.Join(s.dir, GoodName))
	if err != nil {
		return Config{}, err
	}
	return Decode(data)
}

// Dir returns the state directory.
func (s *Store) Dir() string { return s.dir }

// Warning returns Open's warning, or "".
func (s *Store) Warning() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.warning
}

// Get returns a copy of the current configuration.
func (s *Store) Get() Config {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Clone(&s.cur)
}

// Validate reports every problem of c (see the package function).
func (s *Store) Validate(c *Config) error { return Validate(c) }

// Save validates c and, only if it is valid, writes it atomically as
// config.json and then as the last good copy, and makes it current. On
// any error the current configuration and the files are unchanged (or,
// after a crash, either the old or the new file).
func (s *Store) Save(c Config) error {
	c.Version = SchemaVersion
	if err := Validate(&c); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.write(&c); err != nil {
		return err
	}
	s.cur = Clone(&c)
	s.warning = ""
	return nil
}

func (s *Store) write(c *Config) error {
	data, err := Encode(c)
	if err != nil {
		return err
	}
	if err := writeAtomic(s.dir, FileName, data); err != nil {
		return err
	}
	return writeAtomic(s.dir, GoodName, data)
}

// writeAtomic replaces dir/name with data so that a crash at any moment
// leaves either the old or the new file: write a temporary file in the
// same directory, fsync it, rename it over the old name, fsync the
// directory so the rename itself is durable.
func writeAtomic(dir, name string, data []byte) (err error) {
	f, err := os.CreateTemp(dir, tmpPrefix+name+"-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Chmod(0o600); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// removeTemps deletes temporary files a crash left behind.
func removeTemps(dir string) {
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), tmpPrefix) {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}
