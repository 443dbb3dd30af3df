// Package bridge joins two nic.Links so that every frame read on one is
// written on the other, through impairment (nic/impair) in both
// directions: a userspace stand-in for netem between two interfaces.
// With AF_PACKET links in promiscuous mode (Run), kernel-to-kernel and
// kernel-to-tcpbox runs over veths see the same loss, delay and
// reordering as in-memory tests.
//
// It is not a learning switch: there are exactly two ports and every
// frame crosses (no MAC table, no STP), and it does not look inside the
// frames. ParseArgs reads its command line (hack/bridge and the
// appliance's bridge subcommand share it) without the flag package, which
// the nic layer may not use.
package bridge
