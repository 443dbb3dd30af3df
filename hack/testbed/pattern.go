package testbed

import (
	"crypto/sha256"
	"fmt"
	"hash"
	"io"
	"math/rand/v2"
	"net"
	"time"
)

// Pattern yields n pseudo-random (incompressible) bytes from a seed and
// hashes them (SHA-256) as they go, for transfers checked end to end.
type Pattern struct {
	rng  *rand.ChaCha8
	left int64
	sum  hash.Hash
}

// NewPattern returns the n bytes of seed's pattern.
func NewPattern(seed byte, n int64) *Pattern {
	return &Pattern{rng: rand.NewChaCha8([32]byte{seed}), left: n, sum: sha256.New()}
}

func (r *Pattern) Read(p []byte) (int, error) {
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

// Sum is the SHA-256 of what Read has yielded so far.
func (r *Pattern) Sum() []byte { return r.sum.Sum(nil) }

// HalfCloser is a connection whose sending side closes alone.
type HalfCloser interface {
	net.Conn
	CloseWrite() error
}

// EchoRoundTrip sends size bytes of seed's pattern on c while reading
// what comes back, closes its sending side after the last byte, and
// checks that exactly those bytes came back (SHA-256), as through an echo
// server. It returns the time from the first byte sent to the last read.
func EchoRoundTrip(c HalfCloser, seed byte, size int64) (time.Duration, error) {
	src := NewPattern(seed, size)
	werr := make(chan error, 1)
	start := time.Now()
	go func() {
		_, err := io.Copy(c, src)
		if err == nil {
			err = c.CloseWrite()
		}
		werr <- err
	}()
	got := sha256.New()
	n, err := io.Copy(got, c)
	took := time.Since(start)
	if e := <-werr; err == nil {
		err = e
	}
	if err != nil {
		return took, fmt.Errorf("after %d of %d bytes back in %v: %w", n, size, took, err)
	}
	if sum := got.Sum(nil); n != size || string(sum) != string(src.Sum()) {
		return took, fmt.Errorf("echo returned %d of %d bytes, SHA-256 %x, sent %x", n, size, sum[:8], src.Sum()[:8])
	}
	return took, nil
}
