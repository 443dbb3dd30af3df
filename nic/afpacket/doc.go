// Package afpacket is a nic.Link on a Linux AF_PACKET socket bound to one
// interface by index: batched receive through a TPACKET_V2 ring (or
// recvmmsg, or a TPACKET_V3 ring) and batched transmit with sendmmsg, both through Go's poller
// so Close wakes a blocked reader.
//
// A classic BPF filter, attached before the socket is bound, lets through
// only frames addressed to the stack's MAC (which may differ from the
// interface's), broadcast and multicast; in promiscuous mode there is no
// filter and the interface is put in PACKET_MR_PROMISC. The socket ignores
// its interface's outgoing frames (PACKET_IGNORE_OUTGOING), so neither our
// own transmissions nor the host's come back.
//
// Offloads: the socket uses PACKET_VNET_HDR. On a veth with offloads on,
// received frames may carry only a partial checksum or be GSO
// super-frames; their virtio_net_hdr is decoded into Frame.Offload, and on
// transmit Frame.Offload is encoded so the kernel finishes checksums and
// segmentation. Offloads on the interface are left as they are.
// GSOMaxSize tells a stack it may send TCPv4 super-frames; the kernel cuts
// them (in software when the interface has TSO off), which it does only
// on the qdisc path, so PACKET_QDISC_BYPASS is set only with NoVnetHdr or
// NoGSO.
//
// Receive paths. By default frames arrive through a TPACKET_V2 mmap ring
// of one slot per frame (framering.go): the kernel copies each frame into
// its slot and wakes the reader per frame; ReadBatch returns frames
// pointing into the ring until the next ReadBatch and makes no system
// call while frames keep coming (with Options.BusyPoll it polls the next
// slot before sleeping). Frames longer than a slot (super-frames with
// offloads on) take the socket queue (PACKET_COPY_THRESH) and one
// recvmmsg per batch. The ring's copy runs where the frame is delivered
// (on a veth, in the sender's system call), so the reader, which is the
// stack's receive goroutine, does less. Options.Recvmmsg copies every
// frame with recvmmsg into buffers the Link owns instead, one system call
// per batch. BenchmarkVeth (recvmmsg) against BenchmarkVethFrameRing
// measured about 1,350 against 1,100 CPU-ns per 1514-byte frame sent,
// delivered and read; docs/performance.md has hack/bench's A/B of the two.
// Options.Ring receives through a TPACKET_V3 ring,
// whose blocks reach the reader only when full or when their timeout
// (1ms at least) expires: it suits streams and costs latency in
// request/response traffic (in BenchmarkVethRing's ping-pong of 32-frame
// batches recvmmsg was about 30 times faster). Transmit always uses
// sendmmsg (no TX ring). Linux only.
package afpacket
