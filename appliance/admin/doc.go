// Package admin is tcpbox's HTTP admin page and its JSON API: an
// http.Handler built from explicit dependencies (Deps), so it runs the
// same against the real appliance and against fakes in tests.
//
// Pages: overview, connections, one connection with live plots, services,
// tuning, captures and recent log lines. Every page has a JSON twin under
// /api/, and /metrics speaks the Prometheus text exposition format. Every
// request needs HTTP basic auth; every change is a POST carrying a
// per-session XSRF token.
//
// It is not the code that applies configuration, owns listeners or runs
// captures: those arrive through Deps, adapted by appliance. It starts no
// goroutines; all its state (the XSRF key, the last counter sample for
// rates) lives in the Handler.
package admin
