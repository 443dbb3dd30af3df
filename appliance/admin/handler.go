package admin

import (
	"crypto/rand"
	"embed"
	"encoding/json"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// maxFormBytes bounds a request body.
const maxFormBytes = 1 << 20

// Handler is the admin page. Build it with New.
type Handler struct {
	d    Deps
	mux  *http.ServeMux
	tmpl *template.Template
	key  [32]byte // XSRF HMAC key, drawn at New

	changeMu sync.Mutex // one configuration change at a time

	rateMu sync.Mutex
	ring   counterRing // recent counter readings, for rates (rates.go)

	throttle     loginThrottle
	failedLogins atomic.Uint64
	xsrfRefused  atomic.Uint64
}

// New builds the admin handler from its dependencies.
func New(d Deps) (*Handler, error) {
	h := &Handler{d: d, mux: http.NewServeMux()}
	if h.d.Now == nil {
		h.d.Now = time.Now
	}
	rand.Read(h.key[:])
	t, err := template.New("").Funcs(funcs).ParseFS(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	h.tmpl = t
	h.routes()
	return h, nil
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.guard(h.mux).ServeHTTP(w, r)
}

// A page is one HTML page and its JSON twin, built from the same data.
type pageFunc func(r *http.Request) (title string, data any, status int)

func (h *Handler) routes() {
	static, _ := fs.Sub(staticFS, "static")
	h.mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	h.page("/{$}", "overview", h.overview)
	h.page("/connections", "connections", h.connections)
	h.page("/connections/{id}", "connection", h.connection)
	h.page("/services", "services", h.services)
	h.page("/tuning", "tuning", h.tuning)
	h.page("/captures", "captures", h.captures)
	h.page("/logs", "logs", h.logs)
	h.mux.HandleFunc("POST /tuning", h.postTuning)
	h.mux.HandleFunc("POST /api/tuning", h.postTuning)
	h.mux.HandleFunc("POST /tuning/profiles", h.postProfiles)
	h.mux.HandleFunc("POST /captures", h.postCapture)
	h.mux.HandleFunc("POST /api/captures", h.postCapture)
	h.mux.HandleFunc("POST /captures/{id}/stop", h.postCaptureStop)
	h.mux.HandleFunc("POST /api/captures/{id}/stop", h.postCaptureStop)
	h.mux.HandleFunc("GET /captures/{id}/pcap", h.getPcap)
	h.mux.HandleFunc("GET /metrics", h.metrics)
	h.mux.HandleFunc("GET /api/{$}", func(w http.ResponseWriter, r *http.Request) {
		h.json(w, r, map[string]any{
			"pages": []string{"/api/overview", "/api/connections", "/api/connections/{id}", "/api/services",
				"/api/tuning", "/api/captures", "/api/logs"},
			"changes": map[string]string{
				"POST /api/tuning":             `{"set": {"<field path>": "<value>"}} with header X-XSRF-Token`,
				"POST /api/captures":           "form filter, max_bytes, max_duration with header X-XSRF-Token",
				"POST /api/captures/{id}/stop": "with header X-XSRF-Token",
				"GET /captures/{id}/pcap":      "download",
			},
			"xsrf":    "every response carries X-XSRF-Token for its session cookie (tcpbox_session); send both back",
			"metrics": "/metrics (Prometheus text format 0.0.4)",
		}, http.StatusOK)
	})
}

func (h *Handler) page(path, name string, f pageFunc) {
	api := "/api" + path
	if path == "/{$}" {
		api = "/api/overview"
	}
	h.mux.HandleFunc("GET "+path, func(w http.ResponseWriter, r *http.Request) {
		title, data, status := f(r)
		h.html(w, r, name, title, data, status)
	})
	h.mux.HandleFunc("GET "+api, func(w http.ResponseWriter, r *http.Request) {
		_, data, status := f(r)
		h.json(w, r, data, status)
	})
}

// view is what every template receives.
type view struct {
	Title   string
	Page    string
	Warning string
	API     string
	XSRF    string
	Data    any
}

func (h *Handler) html(w http.ResponseWriter, r *http.Request, name, title string, data any, status int) {
	v := view{Title: title, Page: name, XSRF: sessionOf(r).xsrf, Data: data, API: apiPath(r)}
	if h.d.Config != nil {
		v.Warning = h.d.Config.Warning()
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	if err := h.tmpl.ExecuteTemplate(w, name+".html", v); err != nil {
		h.logf("admin: template", "page", name, "err", err)
	}
}

func apiPath(r *http.Request) string {
	if r.URL.Path == "/" {
		return "/api/overview"
	}
	p := "/api" + r.URL.Path
	if r.URL.RawQuery != "" {
		p += "?" + r.URL.RawQuery
	}
	return p
}

func (h *Handler) json(w http.ResponseWriter, r *http.Request, data any, status int) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set(xsrfHeader, sessionOf(r).xsrf) // so API clients can make changes
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // JSON, not HTML: keep "->" readable
	enc.Encode(data)
}

func (h *Handler) logf(msg string, args ...any) {
	if h.d.Log != nil {
		h.d.Log.Warn(msg, args...)
	}
}

func (h *Handler) info(msg string, args ...any) {
	if h.d.Log != nil {
		h.d.Log.Info(msg, args...)
	}
}

var _ slog.Handler = (*LogRing)(nil)
var _ http.Handler = (*Handler)(nil)
