package admin

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net/http"
)

// Authentication and XSRF protection.
//
// Every request needs HTTP basic auth (RFC 7617). The password is
// compared in constant time, after hashing both sides so that not even
// the length leaks. Wrong passwords are throttled per client address
// (throttle.go).
//
// A change is only ever a POST, and it must carry the XSRF token of the
// browser's session, in the form field "xsrf" or the header
// "X-XSRF-Token". The session is a random id in a cookie (SameSite=Strict,
// HttpOnly) issued with the first authenticated response; the token is an
// HMAC of that id under a key the Handler draws at start, so the server
// keeps no session table (no unbounded memory) and a restart invalidates
// every token. A page from another origin can make the browser send the
// cookie and the basic-auth credentials, but cannot read a page to learn
// the token.

const (
	sessionCookie = "tcpbox_session"
	xsrfField     = "xsrf"
	xsrfHeader    = "X-XSRF-Token"
	realm         = `Basic realm="tcpbox admin", charset="UTF-8"`
)

type ctxKey struct{}

// session is what the middleware learns about a request.
type session struct {
	id   string
	xsrf string
}

func sessionOf(r *http.Request) session {
	s, _ := r.Context().Value(ctxKey{}).(session)
	return s
}

func (h *Handler) checkCredentials(user, pw string) bool {
	if h.d.CheckPassword != nil {
		return h.d.CheckPassword(user, pw)
	}
	if h.d.Password == "" {
		return false // no password configured: nobody gets in
	}
	wantUser := h.d.User
	if wantUser == "" {
		wantUser = "admin"
	}
	u1, u2 := sha256.Sum256([]byte(user)), sha256.Sum256([]byte(wantUser))
	p1, p2 := sha256.Sum256([]byte(pw)), sha256.Sum256([]byte(h.d.Password))
	okU := subtle.ConstantTimeCompare(u1[:], u2[:])
	okP := subtle.ConstantTimeCompare(p1[:], p2[:])
	return okU&okP == 1
}

func (h *Handler) xsrfFor(id string) string {
	m := hmac.New(sha256.New, h.key[:])
	m.Write([]byte("xsrf\x00"))
	m.Write([]byte(id))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// guard authenticates, establishes the session, and for POSTs checks the
// XSRF token before calling next.
func (h *Handler) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("X-Frame-Options", "DENY")
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'")
		user, pw, ok := r.BasicAuth()
		if ok && !h.throttle.allowed(r.RemoteAddr, h.d.Now()) {
			w.Header().Set("Retry-After", "6")
			http.Error(w, "429 too many failed logins from your address; wait a few seconds", http.StatusTooManyRequests)
			return
		}
		if !ok || !h.checkCredentials(user, pw) {
			if ok {
				h.logf("admin: refused login", "remote", r.RemoteAddr) // never the password
				h.failedLogins.Add(1)
				h.throttle.failed(r.RemoteAddr, h.d.Now())
			}
			w.Header().Set("WWW-Authenticate", realm)
			http.Error(w, "401 unauthorized: this page needs the admin password", http.StatusUnauthorized)
			return
		}
		var id string
		if c, err := r.Cookie(sessionCookie); err == nil && validSessionID(c.Value) {
			id = c.Value
		} else {
			var b [16]byte
			rand.Read(b[:])
			id = hex.EncodeToString(b[:])
			http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: id, Path: "/",
				HttpOnly: true, SameSite: http.SameSiteStrictMode})
		}
		s := session{id: id, xsrf: h.xsrfFor(id)}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if r.Method != http.MethodPost {
				w.Header().Set("Allow", "GET, HEAD, POST")
				http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
				return
			}
			got := r.Header.Get(xsrfHeader)
			if got == "" {
				r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
				got = r.PostFormValue(xsrfField)
			}
			// A new session (no cookie sent) can never carry a valid token.
			if got == "" || !hmac.Equal([]byte(got), []byte(s.xsrf)) {
				h.xsrfRefused.Add(1)
				http.Error(w, "403 forbidden: missing or wrong XSRF token; reload the page and try again", http.StatusForbidden)
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, s)))
	})
}

func validSessionID(s string) bool {
	if len(s) != 32 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}
