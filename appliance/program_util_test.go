package appliance

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
)

type slogLogger = slog.Logger

func slogDiscard() *slog.Logger { return slog.New(slog.DiscardHandler) }

func slogTo(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }

func newJar() http.CookieJar {
	j, _ := cookiejar.New(nil)
	return j
}
