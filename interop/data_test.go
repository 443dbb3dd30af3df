package interop

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/tcpbox/tcpbox/hack/testbed"
)

// randomFile writes n pseudo-random bytes to a new file in a temporary
// directory and returns its path and SHA-256 (hex).
func randomFile(t testing.TB, seed byte, n int64) (string, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "src.bin")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	r := testbed.NewPattern(seed, n)
	if _, err := io.Copy(f, r); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path, hex.EncodeToString(r.Sum())
}

// fileSHA returns the SHA-256 (hex) of a file.
func fileSHA(t testing.TB, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// mbit is a throughput in Mbit/s.
func mbit(bytes int64, secs float64) float64 { return float64(bytes) * 8 / secs / 1e6 }
