package wire

import (
	"encoding/hex"
	"net/netip"
	"strings"
	"testing"
)

// mustHex decodes hex with any spaces and newlines in it.
func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.NewReplacer(" ", "", "\n", "", "\t", "").Replace(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// filled returns n bytes of 0xa5, so bytes an encoder forgot show up.
func filled(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = 0xa5
	}
	return b
}

var (
	peerIP = netip.MustParseAddr("198.18.0.1")
	dutIP  = netip.MustParseAddr("198.18.0.2")
)

// Golden datagrams, computed independently (Python struct + a 16-bit
// checksum loop) from 198.18.0.1 to 198.18.0.2, ID 0x1234, DF, TTL 64.
const (
	goldenUDP  = "4500 0021 1234 4000 4011 9c70 c612 0001 c612 0002  9c40 0007 000d 9392 6865 6c6c 6f"
	goldenICMP = "4500 002c 1234 4000 4001 9c75 c612 0001 c612 0002  0800 00cf beef 0001 0001 0203 0405 0607 0809 0a0b 0c0d 0e0f"
	// A SYN with Linux's option layout: MSS 1460, SACK-permitted,
	// timestamps 1/0, NOP, window scale 7.
	goldenTCP = "4500 003c 1234 4000 4006 9c60 c612 0001 c612 0002  9c40 0050 0000 03e8 0000 0000 a002 ffff 1b5f 0000 " +
		"0204 05b4 0402 080a 0000 0001 0000 0000 0103 0307"
)

func netip4(a, b, c, d byte) netip.Addr { return netip.AddrFrom4([4]byte{a, b, c, d}) }
