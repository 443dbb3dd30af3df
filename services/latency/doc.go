// Package latency is tcpbox's request/response latency clients, run as
// `tcpbox rr` and `tcpbox crr`, against any framed-echo server (tcpbox's
// port 50000, or any server speaking a 4-byte big-endian length then the
// payload, echoed back):
//
//   - rr: one connection, back-to-back transactions (like netperf's
//     TCP_RR): min, p50, p90, p99, p99.9, max and a histogram.
//   - crr: a new connection per transaction: connect, request, response,
//     close (like netperf's TCP_CRR): rate and latency.
//
// Latencies go into a log-linear histogram (about 1.6% relative error per
// bucket, fixed memory) so runs of any length cost the same memory; min
// and max are exact. It is not a load generator: one transaction at a time.
package latency
