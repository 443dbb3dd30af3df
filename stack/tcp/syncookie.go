package tcp

import (
	"crypto/sha256"
	"encoding/binary"
	"net/netip"
	"time"
)

// SYN cookies (RFC 4987 §3.6): a listener under SYN flood answers with a
// SYN-ACK whose ISS encodes what it would otherwise have remembered, and
// rebuilds the connection from the ACK that returns it.
//
// Our ISS layout is the classic one: the top 5 bits are a counter t
// (ticking every cookiePeriod) modulo 32, the next 3 bits index
// cookieMSS, and the low 24 bits are a keyed hash of the 4-tuple, the
// peer's ISN, t and the MSS index. With timestamps, the window scale and
// SACK-permitted ride in the low 6 bits of our TSval, which the peer
// echoes (as Linux does); without timestamps the cookie SYN-ACK offers
// neither, since it could not remember them.

const (
	cookiePeriod = 64 * time.Second
	cookieMaxAge = 2 // periods: a cookie is valid for 2 to 3 minutes
	tsOptBits    = 6
	tsOptMask    = 1<<tsOptBits - 1
	tsNoWScale   = 0xf
	tsSACKBit    = 1 << 4
)

// cookieMSS are the MSS values a cookie can carry (3 bits).
var cookieMSS = [8]uint16{216, 536, 1220, 1300, 1400, 1440, 1460, 8960}

func cookieMSSIndex(mss uint16) uint32 {
	if mss == 0 {
		mss = 536
	}
	i := len(cookieMSS) - 1
	for i > 0 && cookieMSS[i] > mss {
		i--
	}
	return uint32(i)
}

func cookieHash(key *[16]byte, local, remote netip.AddrPort, peerISN Seq, t uint32, mssIdx uint32) uint32 {
	var b [65]byte
	copy(b[:16], key[:])
	la, ra := local.Addr().As16(), remote.Addr().As16()
	copy(b[16:32], la[:])
	copy(b[32:48], ra[:])
	binary.BigEndian.PutUint16(b[48:], local.Port())
	binary.BigEndian.PutUint16(b[50:], remote.Port())
	binary.BigEndian.PutUint32(b[52:], uint32(peerISN))
	binary.BigEndian.PutUint32(b[56:], t)
	binary.BigEndian.PutUint32(b[60:], mssIdx)
	b[64] = 2
	h := sha256.Sum256(b[:])
	return binary.BigEndian.Uint32(h[:4])
}

// makeCookie returns the ISS for a SYN-ACK answering a SYN with peerISN
// and MSS option mss.
func makeCookie(key *[16]byte, local, remote netip.AddrPort, peerISN Seq, mss uint16, now time.Duration) Seq {
	t := uint32(now / cookiePeriod)
	idx := cookieMSSIndex(mss)
	h := cookieHash(key, local, remote, peerISN, t, idx)
	return Seq((t%32)<<27 | idx<<24 | h&0xffffff)
}

// checkCookie validates the cookie an ACK returns (SEG.ACK-1, for the
// peer ISN SEG.SEQ-1) and gives the MSS it carries.
func checkCookie(key *[16]byte, local, remote netip.AddrPort, peerISN, cookie Seq, now time.Duration) (mss uint16, ok bool) {
	t := uint32(now / cookiePeriod)
	ct := uint32(cookie) >> 27
	age := (t - ct) % 32
	if age > cookieMaxAge || age > t {
		return 0, false
	}
	idx := uint32(cookie) >> 24 & 7
	h := cookieHash(key, local, remote, peerISN, t-age, idx)
	if h&0xffffff != uint32(cookie)&0xffffff {
		return 0, false
	}
	return cookieMSS[idx], true
}

// cookieTSVal puts the options into the low bits of a TSval at or before
// ts (Linux's cookie_init_timestamp).
func cookieTSVal(ts uint32, wscale int8, sack bool) uint32 {
	opts := uint32(tsNoWScale)
	if wscale >= 0 {
		opts = uint32(wscale) & 0xf
	}
	if sack {
		opts |= tsSACKBit
	}
	v := ts&^tsOptMask | opts
	if v > ts {
		v -= 1 << tsOptBits
	}
	return v
}

// cookieTSOptions decodes what cookieTSVal stored.
func cookieTSOptions(tsecr uint32) (wscale int8, sack bool, ok bool) {
	w := tsecr & 0xf
	sack = tsecr&tsSACKBit != 0
	if w == tsNoWScale {
		return -1, sack, true
	}
	if w > 14 {
		return 0, false, false
	}
	return int8(w), sack, true
}
