// Package impair is a nic.Link wrapper that damages traffic on purpose,
// per direction, so that loss, delay and reordering can be tested without
// netem (the kernel here has none): random loss, bursty loss
// (Gilbert-Elliott), delay with uniform or normal jitter, reordering,
// duplication, bit corruption, and a rate limit with a bounded drop-tail
// queue (a bottleneck, to reproduce shaping and bufferbloat).
//
// Every decision comes from a seeded PCG generator, one per direction, so
// a run with the same seed, the same frames and the same clock makes the
// same decisions. The decisions live in a pure core (pipe) that takes the
// time as an argument; the Link around it owns the goroutines and the real
// clock. Memory is bounded: each direction holds at most Limit frames.
//
// It is not a network emulator with topology, it does not look inside the
// frames (corruption may hit any bit, headers included), and frames larger
// than the wrapped link's MTU plus the Ethernet header are not carried
// through a direction that has impairments (GSO super-frames are dropped
// and counted as oversize there).
package impair
