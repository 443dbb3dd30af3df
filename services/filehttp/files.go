package filehttp

import (
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"

	"github.com/tcpbox/tcpbox/services/store"
)

// files handles /files/<name>. name is the decoded path: "%2e%2e" arrives
// here as "..", and store.CheckName refuses it.
func (s *Server) files(w http.ResponseWriter, r *http.Request, name string) {
	dirReq := name == "" || strings.HasSuffix(name, "/")
	clean := strings.TrimSuffix(name, "/")
	if err := store.CheckName(clean, dirReq); err != nil || (dirReq && name != "" && clean == "") {
		if err == nil {
			err = store.ErrBadName
		}
		s.fail(w, http.StatusBadRequest, "bad_name", err)
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		s.get(w, r, clean)
	case http.MethodPut:
		if dirReq {
			s.fail(w, http.StatusBadRequest, "bad_name", errors.New("cannot PUT a directory"))
			return
		}
		s.put(w, r, clean)
	case http.MethodDelete:
		s.delete(w, clean)
	default:
		w.Header().Set("Allow", "GET, HEAD, PUT, DELETE")
		s.fail(w, http.StatusMethodNotAllowed, "method_not_allowed", nil)
	}
}

func (s *Server) get(w http.ResponseWriter, r *http.Request, name string) {
	f, fi, err := s.Store.Open(name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			s.fail(w, http.StatusNotFound, "not_found", nil)
		} else {
			s.fail(w, http.StatusBadRequest, "bad_name", err)
		}
		return
	}
	defer f.Close()
	if fi.IsDir() {
		s.list(w, r, name)
		return
	}
	// A strong validator from size and modification time: an upload
	// replaces the file (rename), which changes both (RFC 9110 §8.8.3).
	w.Header().Set("ETag", fmt.Sprintf(`"%x-%x"`, fi.Size(), fi.ModTime().UnixNano()))
	w.Header().Set("Content-Type", "application/octet-stream")
	// ServeContent implements Range (RFC 9110 §14, single and multipart
	// byteranges), If-Match, If-None-Match, If-Modified-Since,
	// If-Unmodified-Since and If-Range (RFC 9110 §13) and HEAD.
	http.ServeContent(s.progress(w), r, "", fi.ModTime(), f)
}

// wantsJSON: ?format=json or an Accept header naming application/json.
func wantsJSON(r *http.Request) bool {
	if r.URL.Query().Get("format") == "json" {
		return true
	}
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}

var listTmpl = template.Must(template.New("list").Parse(`<!doctype html>
<meta charset="utf-8"><title>/files/{{.Dir}}</title>
<h1>/files/{{.Dir}}</h1>
<table><tr><th>name</th><th>size</th><th>modified (UTC)</th></tr>
{{range .Entries}}<tr><td><a href="{{.Name}}{{if .Dir}}/{{end}}">{{.Name}}{{if .Dir}}/{{end}}</a></td><td>{{.Size}}</td><td>{{.ModTime.Format "2006-01-02 15:04:05"}}</td></tr>
{{end}}</table>
`))

func (s *Server) list(w http.ResponseWriter, r *http.Request, dir string) {
	if dir != "" && !strings.HasSuffix(r.URL.Path, "/") {
		http.Redirect(w, r, r.URL.Path+"/", http.StatusMovedPermanently)
		return
	}
	entries, err := s.Store.List(dir)
	if err != nil {
		s.fail(w, http.StatusInternalServerError, "list", err)
		return
	}
	if wantsJSON(r) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(struct {
			Dir     string        `json:"dir"`
			Entries []store.Entry `json:"entries"`
		}{dir, entries})
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	listTmpl.Execute(w, struct {
		Dir     string
		Entries []store.Entry
	}{dir, entries})
}

func (s *Server) delete(w http.ResponseWriter, name string) {
	if name == "" {
		s.fail(w, http.StatusBadRequest, "bad_name", errors.New("cannot delete the root"))
		return
	}
	if err := s.Store.Remove(name); err != nil {
		switch {
		case errors.Is(err, fs.ErrNotExist):
			s.fail(w, http.StatusNotFound, "not_found", nil)
		case errors.Is(err, store.ErrBadName):
			s.fail(w, http.StatusBadRequest, "bad_name", err)
		default:
			s.fail(w, http.StatusConflict, "delete", err)
		}
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
