// Package filehttp is tcpbox's file transfer over HTTP/1.1 (Go's
// net/http server on any net.Listener): files under a store (see package
// store) at /files/<name> with GET (Range, multi-range, conditional
// requests with ETags), HEAD, PUT (Content-Length or chunked; temporary
// file renamed when complete; 507 beyond the quota), DELETE, and listings
// as HTML or JSON; and storage-free throughput endpoints: GET /gen/<size>
// streams incompressible pseudo-random bytes and PUT /sink discards the
// body, reporting its length and, if asked, its SHA-256.
//
// Bad requests get a 4xx with the reason in the body and are counted by
// reason in Stats. It is not a WebDAV server: no MOVE, COPY, locks or
// properties.
package filehttp
