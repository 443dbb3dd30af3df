package filehttp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
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

	cw     connWatch
	active handlers
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
	cw := &s.cw
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: ht,
		IdleTimeout:       s.idle(),
		MaxHeaderBytes:    mh,
		ErrorLog:          slog.NewLogLogger(slog.DiscardHandler, slog.LevelError), // failures are counted, not logged
		ConnContext:       cw.context,
		ConnState:         func(c net.Conn, st http.ConnState) { cw.state(c, st, &s.Stats) },
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
	// http.Server.Close does not wait for handlers; an upload's handler
	// is still removing its temporary file. Wait for every one.
	s.active.drain()
	if errors.Is(err, http.ErrServerClosed) || errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// connWatch counts connections on which a client sent bytes but net/http
// never got a request to the handler out of them: a malformed request
// line or header, a header beyond MaxHeader, or a header timeout. net/http
// answers those itself (400, 431, or a close) without our counters
// seeing them otherwise.
type connWatch struct {
	mu    sync.Mutex
	conns map[net.Conn]*connInfo
}

type connInfo struct {
	active, served bool // under connWatch.mu
}

type connInfoKey struct{}

func (w *connWatch) context(ctx context.Context, c net.Conn) context.Context {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.conns == nil {
		w.conns = make(map[net.Conn]*connInfo)
	}
	ci := &connInfo{}
	w.conns[c] = ci
	return context.WithValue(ctx, connInfoKey{}, ci)
}

func (w *connWatch) state(c net.Conn, st http.ConnState, stats *svc.Stats) {
	w.mu.Lock()
	defer w.mu.Unlock()
	ci := w.conns[c]
	if ci == nil {
		return
	}
	switch st {
	case http.StateActive:
		ci.active = true
	case http.StateIdle:
		ci.active, ci.served = false, false
	case http.StateClosed, http.StateHijacked:
		if ci.active && !ci.served {
			stats.Error("malformed_request")
		}
		delete(w.conns, c)
	}
}

// served marks the request's connection as having reached the handler.
func (w *connWatch) served(r *http.Request) {
	if ci, ok := r.Context().Value(connInfoKey{}).(*connInfo); ok {
		w.mu.Lock()
		ci.served = true
		w.mu.Unlock()
	}
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

// handlers counts running handlers so Serve can wait for them.
type handlers struct {
	mu      sync.Mutex
	n       int
	closing bool
	idle    *sync.Cond
}

func (h *handlers) enter() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closing {
		return false
	}
	h.n++
	return true
}

func (h *handlers) leave() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.n--; h.n == 0 && h.idle != nil {
		h.idle.Broadcast()
	}
}

// drain refuses new handlers and waits for the running ones.
func (h *handlers) drain() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closing = true
	if h.idle == nil {
		h.idle = sync.NewCond(&h.mu)
	}
	for h.n > 0 {
		h.idle.Wait()
	}
}

// ServeHTTP routes requests.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !s.active.enter() {
		s.fail(w, http.StatusServiceUnavailable, "shutting_down", nil)
		return
	}
	defer s.active.leave()
	s.cw.served(r)
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
