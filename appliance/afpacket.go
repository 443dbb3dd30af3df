package appliance

import (
	"time"

	"github.com/tcpbox/tcpbox/nic"
	"github.com/tcpbox/tcpbox/nic/afpacket"
)

// linkWaitUp is how long tcpbox waits for its interface to appear (a USB
// NIC or a macvlan child made by setup may lag the program's start).
const linkWaitUp = 30 * time.Second

// OpenAFPacket opens iface with nic/afpacket, filtering for mac (the
// interface's own when zero), busy-polling for busy after traffic (the
// link section's busy_poll). Offloads stay as they are: the link decodes
// partial checksums and GSO frames (PACKET_VNET_HDR).
func OpenAFPacket(iface string, mac [6]byte, busy time.Duration) (nic.Link, error) {
	return afpacket.Open(iface, afpacket.Options{MAC: mac, WaitUp: linkWaitUp, BusyPoll: busy})
}
