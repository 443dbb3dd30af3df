package stack

import (
	"errors"
	"math/rand/v2"
)

// Ephemeral ports for active opens. The range is Linux's default
// ip_local_port_range (32768-60999); RFC 6056 §3.3.1 ("simple port
// randomization") picks a random starting point and walks the range from
// there, skipping ports in use, which keeps the ports of successive
// connections unpredictable.
const (
	ephemeralFirst = 32768
	ephemeralLast  = 60999
)

var errNoEphemeralPort = errors.New("stack: no free ephemeral port")

// pickEphemeralPort returns a port in the ephemeral range for which inUse
// reports false, starting at a random offset (RFC 6056 §3.3.1). It tries
// every port of the range once before giving up.
func pickEphemeralPort(rng *rand.Rand, inUse func(port uint16) bool) (uint16, error) {
	const n = ephemeralLast - ephemeralFirst + 1
	start := rng.IntN(n)
	for i := 0; i < n; i++ {
		p := uint16(ephemeralFirst + (start+i)%n)
		if !inUse(p) {
			return p, nil
		}
	}
	return 0, errNoEphemeralPort
}
