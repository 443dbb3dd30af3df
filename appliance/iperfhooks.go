package appliance

import (
	"github.com/tcpbox/tcpbox/appliance/iperftcp"
	"github.com/tcpbox/tcpbox/config"
	"github.com/tcpbox/tcpbox/stack"
)

// iperfWindowScale are the listener options that let iperf3's data
// connections advertise the largest window a test may ask for (-w): the
// scale is chosen at the handshake (RFC 7323 §2.3) from the profile's
// largest receive buffer, which may be smaller.
func iperfWindowScale(p *config.Profile) []stack.TCPOption {
	if !p.WindowScaling {
		return nil
	}
	have := p.WScaleShift
	if have < 0 {
		have = iperftcp.ShiftFor(p.RcvBufMax)
	}
	if need := iperftcp.WindowShift(); have < need {
		return []stack.TCPOption{stack.WithWindowShift(need)}
	}
	return nil
}
