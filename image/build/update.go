package build

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Update pushes a new root and boot partition to a running box through
// gokrazy's update endpoints (gokrazy's update.go): PUT /update/root
// writes the inactive root partition, PUT /update/boot the boot FAT, POST
// /update/switch points cmdline.txt and the loader entry at the new root,
// POST /reboot restarts into it. Each PUT answers with the SHA-256 of what
// it wrote, which must match what was sent. /perm is not touched.
func Update(ctx context.Context, base, password string, boot, root []byte, logf func(string, ...any)) error {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("update: bad box URL %q", base)
	}
	base = strings.TrimSuffix(u.String(), "/")
	client := &http.Client{Timeout: 10 * time.Minute}
	do := func(method, path string, body []byte) ([]byte, error) {
		req, err := http.NewRequestWithContext(ctx, method, base+path, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.SetBasicAuth("gokrazy", password)
		req.Header.Set("X-Gokrazy-Update-Hash", "sha256")
		if method == http.MethodPost {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, fmt.Errorf("update: %s %s: %w", method, path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("update: %s %s: %s: %s", method, path, resp.Status, strings.TrimSpace(string(b)))
		}
		return b, nil
	}
	put := func(path string, data []byte) error {
		logf("update: PUT %s (%d bytes)", path, len(data))
		got, err := do(http.MethodPut, path, data)
		if err != nil {
			return err
		}
		if want := fmt.Sprintf("%x", sha256.Sum256(data)); strings.TrimSpace(string(got)) != want {
			return fmt.Errorf("update: %s: box wrote sha256 %q, sent %s", path, got, want)
		}
		return nil
	}
	if err := put("/update/root", root); err != nil {
		return err
	}
	if err := put("/update/boot", boot); err != nil {
		return err
	}
	logf("update: switching to the new root partition")
	if _, err := do(http.MethodPost, "/update/switch", nil); err != nil {
		return err
	}
	logf("update: rebooting")
	if _, err := do(http.MethodPost, "/reboot", []byte("async=true")); err != nil {
		return err
	}
	return nil
}
