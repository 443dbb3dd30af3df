package build

import (
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// StateDir is where the builder keeps per-host state (the generated
// password) outside the repository: $TCPBOX_IMAGE_STATE, else
// $XDG_CONFIG_HOME/tcpbox-image, else ~/.config/tcpbox-image.
func StateDir() (string, error) {
	if d := os.Getenv("TCPBOX_IMAGE_STATE"); d != "" {
		return d, nil
	}
	d, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("build: no state directory: %w", err)
	}
	return filepath.Join(d, "tcpbox-image"), nil
}

// Password returns the gokrazy web interface password kept for host in
// dir, generating and saving one on first use.
func Password(dir, host string) (string, error) {
	p := filepath.Join(dir, host+".password")
	if b, err := os.ReadFile(p); err == nil {
		pw := strings.TrimSpace(string(b))
		if pw == "" {
			return "", fmt.Errorf("build: %s is empty", p)
		}
		return pw, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("build: %w", err)
	}
	pw := rand.Text() // 26 characters of base32: 130 bits
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("build: %w", err)
	}
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, []byte(pw+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("build: %w", err)
	}
	if err := os.Rename(tmp, p); err != nil {
		return "", fmt.Errorf("build: %w", err)
	}
	return pw, nil
}
