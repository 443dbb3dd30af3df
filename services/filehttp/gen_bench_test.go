package filehttp

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkGen measures /gen's handler alone (no network): bytes of
// pseudo-random data produced per second.
func BenchmarkGen(b *testing.B) {
	s := &Server{}
	const size = 64 << 20
	b.SetBytes(size)
	for i := 0; i < b.N; i++ {
		req := httptest.NewRequest("GET", "/gen/67108864", nil)
		w := &discardWriter{h: http.Header{}}
		s.ServeHTTP(w, req)
		if w.n != size {
			b.Fatalf("wrote %d", w.n)
		}
	}
}

type discardWriter struct {
	h http.Header
	n int64
}

func (w *discardWriter) Header() http.Header { return w.h }
func (w *discardWriter) WriteHeader(int)     {}
func (w *discardWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	return io.Discard.Write(p)
}
