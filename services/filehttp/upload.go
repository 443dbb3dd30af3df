package filehttp

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/tcpbox/tcpbox/services/store"
)

// put stores the body as name: to a temporary file, renamed into place
// only once the whole body arrived and was synced, so an interrupted
// upload leaves nothing. A known Content-Length beyond the quota is
// refused before any byte is read; a chunked body is refused as soon as it
// passes the quota (RFC 4918 §11.5: 507 Insufficient Storage).
func (s *Server) put(w http.ResponseWriter, r *http.Request, name string) {
	u, err := s.Store.Create(name, r.ContentLength)
	if err != nil {
		switch {
		case errors.Is(err, store.ErrQuota):
			w.Header().Set("Connection", "close") // do not read the refused body
			s.fail(w, http.StatusInsufficientStorage, "quota", nil)
		case errors.Is(err, store.ErrBadName):
			s.fail(w, http.StatusBadRequest, "bad_name", err)
		default:
			s.fail(w, http.StatusConflict, "create", err)
		}
		return
	}
	_, existed := s.Store.Stat(name)
	buf := make([]byte, 256<<10)
	n, err := io.CopyBuffer(u, s.body(w, r), buf)
	if err == nil && r.ContentLength >= 0 && n != r.ContentLength {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		u.Abort()
		if errors.Is(err, store.ErrQuota) {
			w.Header().Set("Connection", "close")
			s.fail(w, http.StatusInsufficientStorage, "quota", nil)
			return
		}
		// The client went away or stalled; the answer is for the log.
		s.fail(w, http.StatusBadRequest, "upload_interrupted", err)
		return
	}
	size, sum, err := u.Commit()
	if err != nil {
		// Most likely the name is a directory.
		s.fail(w, http.StatusConflict, "commit", err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	status := http.StatusCreated
	if existed == nil {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"name": name, "size": size, "sha256": hex.EncodeToString(sum)})
}
