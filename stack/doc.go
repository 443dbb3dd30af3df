// Package stack is tcpbox's userspace TCP/IP stack on one nic.Link: the
// receive loop, the send path, the timer heap, the buffer pool, the
// counters, and the public API (UDP sockets behind net.PacketConn; TCP's
// net.Conn and net.Listener come from the tcp_*.go glue).
//
// It is IPv4 only, a host and never a router, with one address (static or
// from its own DHCP client) on one link. It is not a place for protocol
// logic: ARP, IPv4, ICMP, UDP demux, DHCP and TCP decide in their own
// packages (stack/arp, ip, icmp, udp, dhcp, tcp), which do no I/O; this
// package owns the goroutines, locks, clock and buffers that drive them.
//
// # Goroutines
//
// New starts exactly two: the receive goroutine (Link.ReadBatch in
// batches, then input() per frame) and the timer goroutine (runTimers).
// Close ends both, closing the link. User goroutines send (UDPConn.WriteTo,
// TCP writes) directly down the send path.
//
// # Internal API for the TCP glue
//
// Clock. s.now() is the stack's time, a time.Duration since it started
// (Options.Clock; tests pass a *ManualClock and move it with Advance).
//
// Timers. t := s.newTimer(fn) makes a Timer; s.schedule(t, at) arms or
// moves it to stack time at (0 disarms); s.cancel(t) disarms it. fn(now)
// runs on the timer goroutine with no stack lock held, so it may take the
// connection's mutex and re-arm. Arming is O(log n) and allocation-free;
// the heap serves ARP, announcements, reassembly and DHCP, and is meant to
// serve TCP too (the glue, written before it landed, still runs its own
// tcpTimers).
//
// Sending an IPv4 datagram without allocating:
//
//	b := s.newBuffer(tcpHdrLen + len(payload)) // data room after Headroom bytes
//	copy(b.Bytes()[tcpHdrLen:], payload)
//	src := s.sourceAddr(dst)                     // for the pseudo-header
//	(&wire.TCPHeader{..., Src: src, Dst: dst, PayloadLen: len(payload)}).Encode(b.Bytes())
//	err := s.sendIPv4(b, dst, wire.ProtoTCP, sendOpts{df: true, tos: tos})
//
// sendIPv4 takes ownership of b in every case. It routes (on-link or the
// gateway; errNoRoute), prepends the IPv4 header, fragments when the
// datagram exceeds s.pathMTU(dst) and DF is clear (errTooBig when DF is
// set), resolves the next hop through ARP (queueing the packet, bounded,
// while a request is out) and writes the frame to the link. Use
// s.pathMTU(dst) to size segments (MSS = pathMTU - 40), s.isLocalAddr(a)
// to check an address is ours, s.release(b) to drop a buffer unsent.
//
// Batching. Frames sent while s.holdTx() is in effect leave together in
// one Link.WriteBatch at the matching s.releaseTx() (or every 64 frames).
// The receive goroutine holds it around each received batch, so segments
// sent from tcpInput are batched already; the glue may hold it around an
// Output loop on other goroutines. Never hold it across a blocking wait.
//
// Receiving. The IPv4 input path calls
//
//	s.tcpInput(src, dst netip.Addr, tos uint8, seg []byte)
//
// on the receive goroutine for each datagram of protocol 6 unicast to our
// address (after reassembly). seg is the whole segment, checksum not yet
// verified, valid during the call only; tcp_input.go (the glue's) takes
// it from there. s.drop(reason) counts drops; s.rstLimit (with s.icmpMu)
// is a token bucket for RSTs.
//
// # Buffers
//
// Frames come from a pool (bufferPool) in two classes: MTU-sized and
// 64 KiB. Received frames are processed in the link's memory and copied
// only into what outlives the call (a UDP socket's queue, reassembly). In
// steady state neither receiving nor sending allocates (see
// alloc_test.go).
//
// # Capture
//
// The stack has no capture hook of its own: wrap the link with nic/pcap
// before passing it to New, and every frame in both directions is seen.
package stack
