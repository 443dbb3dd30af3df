// Package fileproto is tcpbox's framed file protocol on port 50001
// (specified in PROTOCOL.md): STAT, LIST, DELETE, resumable GET and PUT
// over length-prefixed frames, with size and SHA-256 checked end to end.
// It has the server (over a store), a client, and the `tcpbox put/get/ls`
// command functions.
//
// It is not a file-sync tool: no directories are transferred recursively,
// and there is no authentication (the appliance decides where it listens).
package fileproto
