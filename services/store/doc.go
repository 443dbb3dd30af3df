// Package store keeps the files of tcpbox's file services (HTTP and the
// framed file protocol) under one root directory: names are checked so
// they stay inside it (and os.Root keeps symlinks from leading out), a
// quota bounds the bytes held, and uploads go to a temporary file that is
// synced and renamed into place only when complete.
//
// Names starting with "." are reserved for the store's own temporary
// (".upload-*") and partial (".partial-*") files, so clients can neither
// name nor list them. It is not a general file system API: no links, no
// permissions, no metadata beyond size and time.
package store
