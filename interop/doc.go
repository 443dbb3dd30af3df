// Package interop proves tcpbox's services and TCP on tcpbox's own stack
// against the real clients a field engineer carries: Debian's iperf3,
// curl, nc and Python sockets, and the kernel's TCP through tcpbox's own
// put/get/rr/crr client functions. Each test builds a network-namespace
// testbed (hack/testbed): the Linux kernel in one namespace, tcpbox's
// stack on AF_PACKET in another, joined by a veth or through the
// userspace impairment bridge (nic/bridge) in a third; every frame tcpbox
// sends or receives is captured and judged by tshark afterwards.
//
// It holds tests only (this file is its one non-test file) and needs root;
// without it the tests skip, and under CI=true they fail. It is not a
// place for unit tests of the services or the stack (those live with
// their packages), and it does not duplicate the kernel interop tests of
// package stack (seed clients, nc half-close, dial-out, ss options, 1 GiB
// echo on a clean veth). Large runs are gated by TCPBOX_BIG=1.
package interop
