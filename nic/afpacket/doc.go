// Package afpacket is a nic.Link on a Linux AF_PACKET socket bound to one
// interface by index: batched receive with recvmmsg and batched transmit
// with sendmmsg, both through Go's poller so Close
// wakes a blocked reader.
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
// Receive paths: by default recvmmsg copies each frame once into buffers
// the Link owns. Options.Ring receives through a TPACKET_V3 mmap ring
// instead (no copy, frames point into the ring until the next ReadBatch);
// the kernel hands a block over only when it is full or its timeout
// (1ms at least) expires, so the ring suits streams and costs latency in
// request/response traffic: in BenchmarkVeth's ping-pong of 32-frame
// batches recvmmsg is about 30 times faster. Transmit always uses
// sendmmsg (no TX ring). Linux only.
package afpacket
