package stack

import (
	"sync/atomic"

	"github.com/tcpbox/tcpbox/nic"
)

// DropReason says why the stack discarded a frame or packet. Every drop is
// counted under exactly one reason.
type DropReason uint8

// Drop reasons, after an invalid zero value.
const (
	DropInvalid DropReason = iota
	DropEthTruncated
	DropEthUnsupported // IEEE 802.3 length framing
	DropEthNotForUs    // unicast to another MAC, or multicast
	DropEtherType      // not IPv4 or ARP
	DropARPMalformed
	DropARPUnsupported // not Ethernet/IPv4
	DropIPTruncated
	DropIPVersion
	DropIPHeaderLen
	DropIPLength
	DropIPChecksum
	DropIPOptions
	DropIPBadSource
	DropIPNotOurs
	DropIPProtocol
	DropFragInvalid // bad length, beyond 64 KiB, inconsistent end
	DropFragOverlap
	DropFragMemory
	DropFragTimeout
	DropICMPMalformed
	DropICMPChecksum
	DropICMPBroadcast // echo request to a broadcast address
	DropICMPUnhandled // types a host ignores (echo replies, redirects, ...)
	DropUDPMalformed
	DropUDPChecksum
	DropUDPNoSocket
	DropUDPQueueFull
	DropTCPMalformed
	DropTCPChecksum
	DropTCPNoConn
	DropDHCPMalformed
	DropARPQueueFull
	DropARPFailed
	DropNoRoute
	DropTooBig      // DF set and larger than the path MTU, or beyond 64 KiB
	DropTxError     // the link's WriteBatch failed
	DropRateLimited // an ICMP error or RST not sent because of the rate limit
	DropClosed      // the stack was closing
	NumDropReasons  // not a reason: the size of per-reason arrays
)

var dropNames = [NumDropReasons]string{
	DropInvalid:        "invalid",
	DropEthTruncated:   "eth-truncated",
	DropEthUnsupported: "eth-unsupported",
	DropEthNotForUs:    "eth-not-for-us",
	DropEtherType:      "ethertype",
	DropARPMalformed:   "arp-malformed",
	DropARPUnsupported: "arp-unsupported",
	DropIPTruncated:    "ip-truncated",
	DropIPVersion:      "ip-version",
	DropIPHeaderLen:    "ip-header-length",
	DropIPLength:       "ip-length",
	DropIPChecksum:     "ip-checksum",
	DropIPOptions:      "ip-options",
	DropIPBadSource:    "ip-bad-source",
	DropIPNotOurs:      "ip-not-ours",
	DropIPProtocol:     "ip-protocol",
	DropFragInvalid:    "frag-invalid",
	DropFragOverlap:    "frag-overlap",
	DropFragMemory:     "frag-memory",
	DropFragTimeout:    "frag-timeout",
	DropICMPMalformed:  "icmp-malformed",
	DropICMPChecksum:   "icmp-checksum",
	DropICMPBroadcast:  "icmp-broadcast-echo",
	DropICMPUnhandled:  "icmp-unhandled",
	DropUDPMalformed:   "udp-malformed",
	DropUDPChecksum:    "udp-checksum",
	DropUDPNoSocket:    "udp-no-socket",
	DropUDPQueueFull:   "udp-queue-full",
	DropTCPMalformed:   "tcp-malformed",
	DropTCPChecksum:    "tcp-checksum",
	DropTCPNoConn:      "tcp-no-connection",
	DropDHCPMalformed:  "dhcp-malformed",
	DropARPQueueFull:   "arp-queue-full",
	DropARPFailed:      "arp-failed",
	DropNoRoute:        "no-route",
	DropTooBig:         "too-big",
	DropTxError:        "tx-error",
	DropRateLimited:    "rate-limited",
	DropClosed:         "closed",
}

// String names the reason (stable, for counters and the admin page).
func (r DropReason) String() string {
	if r < NumDropReasons && dropNames[r] != "" {
		return dropNames[r]
	}
	return "invalid"
}

// Stats is a snapshot of the stack's counters.
type Stats struct {
	RxFrames, RxBytes uint64 // frames read from the link
	TxFrames, TxBytes uint64 // frames handed to the link
	// Drops counts discarded frames and packets by reason.
	Drops [NumDropReasons]uint64
	// EchoReplies counts ICMP echo replies sent; ICMPErrors the ICMP
	// errors sent; ARPRequests and ARPReplies the ARP packets sent.
	EchoReplies, ICMPErrors, ARPRequests, ARPReplies uint64
	// UDPIn and UDPOut count datagrams delivered to and sent from sockets.
	UDPIn, UDPOut uint64
	// ARPIn counts valid ARP packets taken in; ICMPIn valid ICMP messages
	// acted on (echo requests, fragmentation-needed).
	ARPIn, ICMPIn uint64
	// ARPConflicts counts ARP packets from another host claiming our
	// address (RFC 5227).
	ARPConflicts uint64
	// DHCPIn counts DHCP messages the client took in (ignored or not).
	DHCPIn uint64
	// FragmentsIn counts fragments received; Reassembled the datagrams
	// completed; FragmentsOut the fragments sent.
	FragmentsIn, Reassembled, FragmentsOut uint64
	// RxLent counts received TCP payloads a connection kept in the
	// link's frame, to be read from there, instead of copying them into
	// its receive buffer (tcp_lend.go).
	RxLent uint64
	// RxCoalesced counts received TCP segments joined to the one before
	// them before TCP saw them (receive coalescing, tcp_gro.go).
	RxCoalesced uint64
	// TxHandoffs counts batches the receive goroutine left to the
	// transmit goroutine: bare ACKs while more frames waited or while
	// the transmit goroutine polled for work, or frames that would have
	// waited for an earlier batch of their flow (txq.go).
	TxHandoffs uint64
	// TxBusyPolled counts batches the transmit goroutine found while it
	// busy-polled for work (Options.TxBusyPoll) instead of after a
	// wake-up.
	TxBusyPolled uint64
	// Link is the link's own counters.
	Link nic.Stats
}

// TotalDrops sums Drops.
func (s *Stats) TotalDrops() uint64 {
	var n uint64
	for _, v := range s.Drops {
		n += v
	}
	return n
}

// counters are the stack's; the receive goroutine's and the senders'
// are on cache lines of their own: when they shared one with each other,
// the receive goroutine's two adds per frame took 6% of an upload's CPU
// (the line went back and forth between the CPUs at every frame sent).
type counters struct {
	_                                                [64]byte
	rxFrames, rxBytes                                atomic.Uint64 // the receive loop's, once per batch
	_                                                [48]byte
	txFrames, txBytes                                atomic.Uint64 // once per WriteBatch
	_                                                [48]byte
	drops                                            [NumDropReasons]atomic.Uint64
	echoReplies, icmpErrors, arpRequests, arpReplies atomic.Uint64
	udpIn, udpOut                                    atomic.Uint64
	arpIn, icmpIn, arpConflicts, dhcpIn              atomic.Uint64
	fragsIn, reassembled, fragsOut                   atomic.Uint64
	rxLent, rxCoalesced, txHandoffs, txBusyPolled    atomic.Uint64
}

func (s *Stack) drop(r DropReason) { s.ctr.drops[r].Add(1) }

// Stats returns a snapshot of the counters.
func (s *Stack) Stats() Stats {
	c := &s.ctr
	st := Stats{
		RxFrames: c.rxFrames.Load(), RxBytes: c.rxBytes.Load(),
		TxFrames: c.txFrames.Load(), TxBytes: c.txBytes.Load(),
		EchoReplies: c.echoReplies.Load(), ICMPErrors: c.icmpErrors.Load(),
		ARPRequests: c.arpRequests.Load(), ARPReplies: c.arpReplies.Load(),
		UDPIn: c.udpIn.Load(), UDPOut: c.udpOut.Load(),
		ARPIn: c.arpIn.Load(), ICMPIn: c.icmpIn.Load(), ARPConflicts: c.arpConflicts.Load(),
		DHCPIn:      c.dhcpIn.Load(),
		FragmentsIn: c.fragsIn.Load(), Reassembled: c.reassembled.Load(), FragmentsOut: c.fragsOut.Load(),
		RxLent: c.rxLent.Load(), RxCoalesced: c.rxCoalesced.Load(),
		TxHandoffs: c.txHandoffs.Load(), TxBusyPolled: c.txBusyPolled.Load(),
		Link: s.link.Stats(),
	}
	for i := range c.drops {
		st.Drops[i] = c.drops[i].Load()
	}
	return st
}
