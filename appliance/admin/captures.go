package admin

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Capture bounds the page enforces, whatever the Captures implementation
// allows: a ring of 1 KiB to 256 MiB, for at most a day, a filter of at
// most 256 characters.
const (
	minCaptureBytes = 1 << 10
	maxCaptureBytes = 256 << 20
	maxCaptureTime  = 24 * time.Hour
	maxFilterLen    = 256
)

type capturesData struct {
	Captures []CaptureInfo `json:"captures"`
	Error    string        `json:"error,omitempty"`
	Started  uint64        `json:"started,omitempty"`
}

func (h *Handler) captures(r *http.Request) (string, any, int) {
	var d capturesData
	if h.d.Captures == nil {
		d.Error = "captures are not available"
		return "Captures", d, 0
	}
	d.Captures = h.d.Captures.List()
	return "Captures", d, 0
}

func parseCaptureRequest(r *http.Request) (CaptureRequest, error) {
	var q CaptureRequest
	q.Filter = strings.TrimSpace(r.PostFormValue("filter"))
	if len(q.Filter) > maxFilterLen {
		return q, fmt.Errorf("filter: longer than %d characters", maxFilterLen)
	}
	mb := strings.TrimSpace(r.PostFormValue("max_bytes"))
	if mb == "" {
		mb = "4194304"
	}
	n, err := strconv.ParseInt(mb, 10, 64)
	if err != nil || n < minCaptureBytes || n > maxCaptureBytes {
		return q, fmt.Errorf("max_bytes: %q is not a size from %d to %d", mb, minCaptureBytes, maxCaptureBytes)
	}
	q.MaxBytes = n
	if s := strings.TrimSpace(r.PostFormValue("max_duration")); s != "" && s != "0" {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 || d > maxCaptureTime {
			return q, fmt.Errorf("max_duration: %q is not a duration from 0 to 24h", s)
		}
		q.MaxDuration = d
	}
	return q, nil
}

// postCapture starts a capture (form fields filter, max_bytes,
// max_duration).
func (h *Handler) postCapture(w http.ResponseWriter, r *http.Request) {
	api := strings.HasPrefix(r.URL.Path, "/api/")
	fail := func(status int, err error) {
		if api {
			h.json(w, r, map[string]string{"error": err.Error()}, status)
			return
		}
		d := capturesData{Error: err.Error()}
		if h.d.Captures != nil {
			d.Captures = h.d.Captures.List()
		}
		h.html(w, r, "captures", "Captures", d, status)
	}
	if h.d.Captures == nil {
		fail(http.StatusServiceUnavailable, fmt.Errorf("captures are not available"))
		return
	}
	q, err := parseCaptureRequest(r)
	if err != nil {
		fail(http.StatusUnprocessableEntity, err)
		return
	}
	info, err := h.d.Captures.Start(q)
	if err != nil {
		fail(http.StatusUnprocessableEntity, err)
		return
	}
	h.info("admin: capture started", "id", info.ID, "filter", q.Filter, "max_bytes", q.MaxBytes)
	if api {
		h.json(w, r, info, http.StatusOK)
		return
	}
	http.Redirect(w, r, "/captures", http.StatusSeeOther)
}

func (h *Handler) captureID(w http.ResponseWriter, r *http.Request) (uint64, bool) {
	if h.d.Captures == nil {
		http.Error(w, "captures are not available", http.StatusServiceUnavailable)
		return 0, false
	}
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	if err != nil {
		http.Error(w, "not a capture id", http.StatusBadRequest)
		return 0, false
	}
	return id, true
}

func (h *Handler) postCaptureStop(w http.ResponseWriter, r *http.Request) {
	id, ok := h.captureID(w, r)
	if !ok {
		return
	}
	if err := h.d.Captures.Stop(id); err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	if strings.HasPrefix(r.URL.Path, "/api/") {
		h.json(w, r, map[string]bool{"ok": true}, http.StatusOK)
		return
	}
	http.Redirect(w, r, "/captures", http.StatusSeeOther)
}

func (h *Handler) getPcap(w http.ResponseWriter, r *http.Request) {
	id, ok := h.captureID(w, r)
	if !ok {
		return
	}
	found := false
	for _, c := range h.d.Captures.List() {
		found = found || c.ID == id
	}
	if !found {
		http.Error(w, "no such capture", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.tcpdump.pcap")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="tcpbox-capture-%d.pcap"`, id))
	if err := h.d.Captures.WritePcap(id, w); err != nil {
		h.logf("admin: capture download", "id", id, "err", err)
	}
}
