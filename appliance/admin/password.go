package admin

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// PasswordFile is the name of the generated password in the state
// directory.
const PasswordFile = "admin-password"

// LoadOrCreatePassword returns the admin password kept in dir. At first
// start it generates one (128 bits, from crypto/rand), stores it with mode
// 0600 and reports created, so the caller prints it once. It never logs
// the password itself.
func LoadOrCreatePassword(dir string) (pw string, created bool, err error) {
	path := filepath.Join(dir, PasswordFile)
	data, err := os.ReadFile(path)
	if err == nil {
		pw = strings.TrimSpace(string(data))
		if len(pw) < 8 {
			return "", false, fmt.Errorf("admin: %s holds a password shorter than 8 characters", path)
		}
		return pw, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", false, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", false, err
	}
	pw = rand.Text() // 26 base32 characters, 130 bits
	// O_EXCL: if two processes race at first start, one wins and the other
	// reads the winner's password.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return LoadOrCreatePassword(dir)
	}
	if err != nil {
		return "", false, err
	}
	if _, err := f.WriteString(pw + "\n"); err != nil {
		f.Close()
		os.Remove(path)
		return "", false, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return "", false, err
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return "", false, err
	}
	return pw, true, nil
}

// GokrazyPassword returns the password gokrazy's own web page uses (user
// "gokrazy"), so one password opens both pages on the device. Like gokrazy
// it looks in /perm, then /etc, then / for gokr-pw.txt, and treats an
// image without /etc/gokr-pw.txt as built without a password (ok false:
// fall back to LoadOrCreatePassword). root prefixes every path ("" on the
// device; a test directory in tests).
func GokrazyPassword(root string) (pw string, ok bool, err error) {
	const name = "gokr-pw.txt"
	if _, err := os.Stat(filepath.Join(root, "/etc", name)); errors.Is(err, fs.ErrNotExist) {
		return "", false, nil
	}
	for _, dir := range []string{"/perm", "/etc", "/"} {
		data, err := os.ReadFile(filepath.Join(root, dir, name))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return "", false, err
		}
		pw = strings.TrimSpace(string(data))
		if pw == "" {
			return "", false, fmt.Errorf("admin: %s is empty", filepath.Join(dir, name))
		}
		return pw, true, nil
	}
	return "", false, nil
}
