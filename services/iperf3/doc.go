// Package iperf3 is a server for the iperf3 wire protocol (esnet/iperf
// 3.x), so the stock `iperf3 -c` measures against tcpbox: TCP and UDP
// tests, reverse (-R), bidirectional (--bidir), parallel streams (-P),
// window (-w), MSS (-M), congestion control (-C), no-delay (-N), UDP
// jitter, loss and out-of-order counting, the results exchange and
// --get-server-output.
//
// Beyond iperf3's own server it runs several tests at once (each client
// gets its own test instead of "the server is busy"), caps the duration
// and the bitrate it sends at, and takes the server-side TCP figures
// (retransmits, cwnd, RTT) and the socket options from injected hooks, so
// the figures come from whichever TCP stack carries the test: kernel
// implementations are in kernel.go; tcpbox's appliance plugs in its own.
//
// Wiring: Serve(ctx, ln, pc) takes the TCP listener of port 5201 (control
// and data connections share it; a data connection is recognised by the
// 37-byte cookie it sends first, which names its test) and a UDP socket on
// the same port (all UDP streams of all tests share it, told apart by
// source address and port; see udpMux for how a new stream finds its
// test). The listener is never re-created: each test's -w, -M, -N and -C
// are applied to its own data connections after accept, through Tune, so
// tests running at once each get their own options. A -w above MaxWindow
// is clamped to it.
//
// It is not an iperf3 client, and it does not implement SCTP, MPTCP,
// zerocopy, authentication (authtoken is refused) or UDP GSO/GRO (the
// server simply sends and receives plain datagrams).
//
// Protocol references in comments are to esnet/iperf's src/ files.
package iperf3
