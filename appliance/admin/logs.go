package admin

import (
	"log/slog"
	"net/http"
	"strings"
)

type logsData struct {
	Level string    `json:"level"`
	Lines []LogLine `json:"lines"`
}

func (h *Handler) logs(r *http.Request) (string, any, int) {
	d := logsData{Level: strings.ToUpper(r.URL.Query().Get("level"))}
	var min slog.Level
	filter := min.UnmarshalText([]byte(d.Level)) == nil && d.Level != ""
	if h.d.Logs != nil {
		for _, l := range h.d.Logs.Lines() {
			var lv slog.Level
			if filter && lv.UnmarshalText([]byte(l.Level)) == nil && lv < min {
				continue
			}
			d.Lines = append(d.Lines, l)
		}
	}
	// Newest first.
	for i, j := 0, len(d.Lines)-1; i < j; i, j = i+1, j-1 {
		d.Lines[i], d.Lines[j] = d.Lines[j], d.Lines[i]
	}
	return "Recent log lines", d, 0
}
