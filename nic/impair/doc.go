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
// frames (corruption may hit any bit, headers included). An impaired
// direction carries frames up to the wrapped link's MTU plus the Ethernet
// header, or up to its MaxFrameLen() if it has that method (a link that
// delivers GSO super-frames); larger ones are dropped as oversize. A
// super-frame is impaired as one frame: losing it loses every segment.
package impair
