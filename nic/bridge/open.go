//go:build linux

package bridge

import (
	"fmt"
	"time"

	"github.com/tcpbox/tcpbox/nic/afpacket"
)

// Open opens the interfaces c.A and c.B with AF_PACKET in promiscuous
// mode (frames crossing a bridge are not addressed to it, so there is no
// MAC filter) and starts a Bridge between them. logf, if set, gets one
// line per notable event. The caller owns the Bridge and closes it.
func Open(c Config, logf func(string, ...any)) (*Bridge, error) {
	o := afpacket.Options{Promisc: true, WaitUp: 10 * time.Second, Logf: logf}
	a, err := afpacket.Open(c.A, o)
	if err != nil {
		return nil, fmt.Errorf("bridge: %w", err)
	}
	b, err := afpacket.Open(c.B, o)
	if err != nil {
		a.Close()
		return nil, fmt.Errorf("bridge: %w", err)
	}
	br, err := Start(a, b, c.AB, c.BA, c.Seed)
	if err != nil {
		a.Close()
		b.Close()
		return nil, fmt.Errorf("bridge: %w", err)
	}
	if logf != nil {
		logf("bridge: %s <-> %s, A->B {%v}, B->A {%v}, seed %d", c.A, c.B, c.AB, c.BA, c.Seed)
	}
	return br, nil
}
