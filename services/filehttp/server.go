package filehttp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/tcpbox/tcpbox/services/store"
	"github.com/tcpbox/tcpbox/services/svc"
)

// Port is the HTTP port.
const Port = 80

// Defaults.
const (
	DefaultHeaderTimeout = 10 * time.Second
	DefaultIdleTimeout   = 2 * time.Minute
	DefaultMaxHeader     = 16 << 10
	MaxGen               = 1 << 40 // largest /gen size: 1 TiB
)

// Server serves files from Store and the throughput endpoints.
type Server struct {
	Store         *store.Store // nil: only /gen and /sink
	Limits        svc.Limits   // connections; IdleTimeout is the time without progress on a body or between requests (0: DefaultIdleTimeout)
	HeaderTimeout time.Duration
	MaxHeader     int
	Stats         svc.Stats
}

func (s *Server) idle() time.Duration {
	if s.Limits.IdleTimeout > 0 {
		return s.Limits.IdleTimeout
	}
	return DefaultIdleTimeout
}

// Serve runs the HTTP server on ln until ctx is cancelled or ln is closed,
// and returns once every connection has ended.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	lim := s.Limits
	if lim.MaxConns == 0 && lim.MaxConnsPerAddr == 0 {
		lim.MaxConns, lim.MaxConnsPerAddr = svc.DefaultLimits.MaxConns, svc.DefaultLimits.MaxConnsPerAddr
	}
	ht := s.HeaderTimeout
	if ht <= 0 {
		ht = DefaultHeaderTimeout
	}
	mh := s.MaxHeader
	if mh <= 0 {
		mh = DefaultMaxHeader
	}
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: ht,
		IdleTimeout:       s.idle(),
		MaxHeaderBytes:    mh,
		ErrorLog:          nil,
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		select {
		case <-ctx.Done():
		case <-stop:
		}
		srv.Close() // closes the listener and every connection
	}()
	err := srv.Serve(svc.LimitListener(ln, lim, &s.Stats))
	close(stop)
	wg.Wait()
	if errors.Is(err, http.ErrServerClosed) || errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// fail answers with status and a one-line reason, and counts reason.
func (s *Server) fail(w http.ResponseWriter, status int, reason string, detail error) {
	s.Stats.Error(reason)
	msg := reason
	if detail != nil {
		msg = fmt.Sprintf("%s: %v", reason, detail)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	fmt.Fprintln(w, msg)
}

// ServeHTTP routes requests.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case p == "/":
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			s.fail(w, http.StatusMethodNotAllowed, "method_not_allowed", nil)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><title>tcpbox files</title><p><a href="/files/">files</a> · GET /gen/&lt;bytes&gt; · PUT /sink</p>`)
	case strings.HasPrefix(p, "/gen/"):
		s.gen(w, r, strings.TrimPrefix(p, "/gen/"))
	case p == "/sink":
		s.sink(w, r)
	case p == "/files":
		http.Redirect(w, r, "/files/", http.StatusMovedPermanently)
	case strings.HasPrefix(p, "/files/"):
		if s.Store == nil {
			s.fail(w, http.StatusNotFound, "no_store", nil)
			return
		}
		s.files(w, r, strings.TrimPrefix(p, "/files/"))
	default:
		s.fail(w, http.StatusNotFound, "not_found", nil)
	}
}
