package stack

import (
	"testing"

	"github.com/tcpbox/tcpbox/stack/tcp"
)

// TestRecoveryOptions: each switch reaches the connection's tcp.Config.
func TestRecoveryOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		opt  TCPOption
		get  func(*tcp.Config) bool
	}{
		{"RACK", WithRACK(false), func(c *tcp.Config) bool { return c.RACK }},
		{"TLP", WithTLP(false), func(c *tcp.Config) bool { return c.TLP }},
		{"PRR", WithPRR(false), func(c *tcp.Config) bool { return c.PRR }},
		{"FRTO", WithFRTO(false), func(c *tcp.Config) bool { return c.FRTO }},
		{"DSACK", WithDSACK(false), func(c *tcp.Config) bool { return c.DSACK }},
	} {
		o := tcpOptions{cfg: tcp.DefaultConfig()}
		if !tc.get(&o.cfg) {
			t.Fatalf("%s off by default", tc.name)
		}
		if err := tc.opt(&o); err != nil || tc.get(&o.cfg) {
			t.Fatalf("%s: not turned off (%v)", tc.name, err)
		}
	}
	o := tcpOptions{cfg: tcp.DefaultConfig()}
	if o.cfg.ECN {
		t.Fatal("ECN on by default")
	}
	if WithECN(true)(&o); !o.cfg.ECN {
		t.Fatal("WithECN(true) did not turn it on")
	}
}
