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
// and data connections share it; a data connection is recognised by its
// cookie) and a UDP socket on the same port (all UDP streams of all tests
// share it, told apart by source address). With a Listen hook, a test
// asking for -M or -w has the listener reopened with them while its
// streams connect, as iperf3 does; connections arriving in that moment on
// behalf of other tests get those options too. Without it, options are
// applied per connection through Tune only.
//
// It is not an iperf3 client, and it does not implement SCTP, MPTCP,
// zerocopy, authentication (authtoken is refused) or UDP GSO/GRO (the
// server simply sends and receives plain datagrams).
//
// Protocol references in comments are to esnet/iperf's src/ files.
package iperf3
