package filehttp

import (
	"crypto/aes"
	"crypto/cipher"
	crand "crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ParseSize parses a byte count with an optional binary suffix: "1000",
// "64K", "256M", "1G", "1T" (K = 1024).
func ParseSize(s string) (int64, error) {
	mult := int64(1)
	if n := len(s); n > 0 {
		switch strings.ToUpper(s[n-1:]) {
		case "K":
			mult = 1 << 10
		case "M":
			mult = 1 << 20
		case "G":
			mult = 1 << 30
		case "T":
			mult = 1 << 40
		}
		if mult != 1 {
			s = s[:n-1]
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 0 || v > MaxGen/mult {
		return 0, fmt.Errorf("size %q: want 0..1T", s)
	}
	return v * mult, nil
}

const genChunk = 256 << 10

// gen streams size incompressible pseudo-random bytes, a fresh keystream
// for every chunk, so nothing repeats.
func (s *Server) gen(w http.ResponseWriter, r *http.Request, arg string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		s.fail(w, http.StatusMethodNotAllowed, "method_not_allowed", nil)
		return
	}
	size, err := ParseSize(arg)
	if err != nil {
		s.fail(w, http.StatusBadRequest, "bad_size", err)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
	w.Header().Set("Cache-Control", "no-store")
	if r.Method == http.MethodHead {
		return
	}
	// AES-128 in counter mode with a random key: the keystream is
	// incompressible, and with AES instructions it runs at several GB/s
	// per core, about ten times ChaCha8 (BenchmarkGen). XORing the
	// keystream into the previous chunk keeps the buffer random.
	var key, iv [16]byte
	crand.Read(key[:])
	blk, err := aes.NewCipher(key[:])
	if err != nil {
		s.fail(w, http.StatusInternalServerError, "gen", err)
		return
	}
	ctr := cipher.NewCTR(blk, iv[:])
	buf := make([]byte, genChunk)
	pw := s.progress(w)
	for left := size; left > 0; {
		n := int(min(left, genChunk))
		ctr.XORKeyStream(buf[:n], buf[:n])
		if _, err := pw.Write(buf[:n]); err != nil {
			return // client went away
		}
		left -= int64(n)
	}
}

// sink reads and discards the body; with ?sha256=1 (or header
// X-Sha256: 1) it hashes it. It answers with bytes, seconds and rate.
func (s *Server) sink(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPut && r.Method != http.MethodPost {
		s.fail(w, http.StatusMethodNotAllowed, "method_not_allowed", nil)
		return
	}
	var h hash.Hash
	dst := io.Discard
	if r.URL.Query().Get("sha256") == "1" || r.Header.Get("X-Sha256") == "1" {
		h = sha256.New()
		dst = h
	}
	start := time.Now()
	n, err := io.CopyBuffer(dst, s.body(w, r), make([]byte, 256<<10))
	if err != nil {
		s.fail(w, http.StatusBadRequest, "upload_interrupted", err)
		return
	}
	secs := time.Since(start).Seconds()
	out := map[string]any{"bytes": n, "seconds": secs}
	if secs > 0 {
		out["bits_per_second"] = float64(n) * 8 / secs
	}
	if h != nil {
		out["sha256"] = hex.EncodeToString(h.Sum(nil))
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}
