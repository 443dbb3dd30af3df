package stack

import "net/netip"

// logGateway is a gateway as the log shows it: "none" when there is none
// (an invalid netip.Addr would print as "invalid IP").
func logGateway(gw netip.Addr) string {
	if !gw.IsValid() {
		return "none"
	}
	return gw.String()
}
