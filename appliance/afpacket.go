package appliance

import (
	"errors"

	"github.com/tcpbox/tcpbox/nic"
)

// OpenAFPacket opens iface with nic/afpacket, filtering for mac (the
// interface's own when zero).
func OpenAFPacket(iface string, mac [6]byte) (nic.Link, error) {
	return nil, errors.New("nic/afpacket has not landed yet")
}
