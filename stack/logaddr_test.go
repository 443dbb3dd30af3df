package stack

import (
	"net/netip"
	"testing"
)

func TestLogGateway(t *testing.T) {
	if got := logGateway(netip.Addr{}); got != "none" {
		t.Errorf("no gateway logs as %q, want none", got)
	}
	if got := logGateway(netip.MustParseAddr("198.18.0.1")); got != "198.18.0.1" {
		t.Errorf("gateway logs as %q", got)
	}
}
