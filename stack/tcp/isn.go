package tcp

import (
	"crypto/sha256"
	"encoding/binary"
	"net/netip"
	"time"
)

// tupleHash is SHA-256 over a secret key and the connection's 4-tuple:
// the keyed pseudorandom function F of RFC 6528 §3. It allocates nothing.
func tupleHash(key *[16]byte, local, remote netip.AddrPort, salt byte) [32]byte {
	var b [16 + 16 + 16 + 4 + 1]byte
	copy(b[:16], key[:])
	la, ra := local.Addr().As16(), remote.Addr().As16()
	copy(b[16:32], la[:])
	copy(b[32:48], ra[:])
	binary.BigEndian.PutUint16(b[48:], local.Port())
	binary.BigEndian.PutUint16(b[50:], remote.Port())
	b[52] = salt
	return sha256.Sum256(b[:])
}

// ISN returns the initial sequence number for a connection (RFC 6528 §3):
// ISN = M + F(localip, localport, remoteip, remoteport, secretkey), where
// M is a timer ticking every 4 microseconds (RFC 9293 §3.4.1).
func ISN(key *[16]byte, local, remote netip.AddrPort, now time.Duration) Seq {
	h := tupleHash(key, local, remote, 0)
	m := uint32(now / (4 * time.Microsecond))
	return Seq(binary.BigEndian.Uint32(h[:4]) + m)
}

// tsOffset is the offset of a connection's timestamp clock: by default a
// keyed hash of the 4-tuple, so timestamps reveal neither uptime nor a
// clock shared by connections (RFC 7323 §5.4 and §7.1, Linux
// tcp_timestamps=1); 0 with Config.TSNoOffset (Linux tcp_timestamps=2).
func (c *Config) tsOffset(local, remote netip.AddrPort) uint32 {
	if c.TSNoOffset {
		return 0
	}
	h := tupleHash(&c.ISNKey, local, remote, 1)
	return binary.BigEndian.Uint32(h[:4])
}
