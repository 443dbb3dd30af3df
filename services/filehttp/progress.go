package filehttp

import (
	"io"
	"net/http"
	"time"
)

// progress wraps w so each write pushes the connection's write deadline
// forward by the idle timeout: a transfer may take as long as it needs,
// but a peer that stops reading is dropped.
func (s *Server) progress(w http.ResponseWriter) http.ResponseWriter {
	return &progressWriter{ResponseWriter: w, rc: http.NewResponseController(w), idle: s.idle()}
}

type progressWriter struct {
	http.ResponseWriter
	rc   *http.ResponseController
	idle time.Duration
}

func (p *progressWriter) Write(b []byte) (int, error) {
	p.rc.SetWriteDeadline(time.Now().Add(p.idle))
	return p.ResponseWriter.Write(b)
}

// ReadFrom keeps io.Copy's fast path (sendfile on the kernel's stack)
// while still moving the deadline per chunk.
func (p *progressWriter) ReadFrom(r io.Reader) (int64, error) {
	var total int64
	buf := make([]byte, 256<<10)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			m, werr := p.Write(buf[:n])
			total += int64(m)
			if werr != nil {
				return total, werr
			}
		}
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}

// bodyReader pushes the read deadline forward on each read of a request
// body, so a stalled upload ends after the idle timeout.
type bodyReader struct {
	r    io.Reader
	rc   *http.ResponseController
	idle time.Duration
}

func (s *Server) body(w http.ResponseWriter, r *http.Request) io.Reader {
	return &bodyReader{r: r.Body, rc: http.NewResponseController(w), idle: s.idle()}
}

func (b *bodyReader) Read(p []byte) (int, error) {
	b.rc.SetReadDeadline(time.Now().Add(b.idle))
	return b.r.Read(p)
}
