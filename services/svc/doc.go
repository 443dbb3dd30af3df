// Package svc is the machinery every tcpbox service shares: the accept loop
// that owns connection goroutines and ends them with its context, limits on
// connections (per service and per client address) and on idle time, and
// per-service counters (connections, bytes, errors by reason) with a
// snapshot for the admin page and /metrics.
//
// It is written against net.Listener and net.Conn only, so the same code
// serves on the kernel's stack and on tcpbox's. It is not a protocol: each
// service (echo, discard, chargen, framed echo, ...) supplies a handler.
package svc
