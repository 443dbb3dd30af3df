package interop

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// randReader yields left pseudo-random (incompressible) bytes from a
// seeded generator, hashing them as they go.
type randReader struct {
	rng  *rand.ChaCha8
	left int64
	sum  hash.Hash
}

func newRandReader(seed byte, n int64) *randReader {
	return &randReader{rng: rand.NewChaCha8([32]byte{seed}), left: n, sum: sha256.New()}
}

func (r *randReader) Read(p []byte) (int, error) {
	if r.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.left {
		p = p[:r.left]
	}
	r.rng.Read(p)
	r.sum.Write(p)
	r.left -= int64(len(p))
	return len(p), nil
}

// randomFile writes n pseudo-random bytes to a new file in a temporary
// directory and returns its path and SHA-256 (hex).
func randomFile(t testing.TB, seed byte, n int64) (string, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "src.bin")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	r := newRandReader(seed, n)
	if _, err := io.Copy(f, r); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path, hex.EncodeToString(r.sum.Sum(nil))
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
