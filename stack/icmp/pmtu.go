package icmp

import (
	"net/netip"
	"time"

	"github.com/tcpbox/tcpbox/stack/wire"
)

// PMTU remembers path MTUs learned from fragmentation-needed messages
// (RFC 1191 §3-§4), per destination, for a limited time (RFC 1191 §6.3
// suggests 10 minutes before trying a larger MTU again) and a limited
// number of destinations. It is not safe for concurrent use.
type PMTU struct {
	max     int
	ttl     time.Duration
	entries map[netip.Addr]pmtuEntry
}

type pmtuEntry struct {
	mtu     int
	expires time.Duration
}

// MinMTU is the smallest MTU accepted from a message (RFC 791: every
// host must accept 68-byte datagrams; RFC 1191 §3 floors estimates at it).
const MinMTU = 68

// NewPMTU returns an empty table holding up to max destinations.
func NewPMTU(max int, ttl time.Duration) *PMTU {
	if max <= 0 {
		max = 1024
	}
	if ttl <= 0 {
		ttl = 10 * time.Minute
	}
	return &PMTU{max: max, ttl: ttl, entries: make(map[netip.Addr]pmtuEntry)}
}

// Learn records the path MTU a fragmentation-needed message (type 3, code
// 4) reports. body is the message's payload (the quoted header and
// data); linkMTU is the largest MTU tcpbox would use. It returns the
// destination and MTU learned, ok false if the message is unusable. A
// router that sends no MTU (RFC 1191 §5's older routers: field zero) gets
// the next lower plateau of RFC 1191 §7 below the quoted datagram's
// length.
func (t *PMTU) Learn(now time.Duration, nextHopMTU uint16, body []byte, linkMTU int) (dst netip.Addr, mtu int, ok bool) {
	if len(body) < wire.IPv4MinHeaderLen || body[0]>>4 != 4 {
		return netip.Addr{}, 0, false
	}
	dst = netip.AddrFrom4([4]byte(body[16:20]))
	mtu = int(nextHopMTU)
	if mtu == 0 {
		mtu = plateau(int(body[2])<<8 | int(body[3]))
	}
	if mtu < MinMTU {
		mtu = MinMTU
	}
	if mtu >= linkMTU {
		return netip.Addr{}, 0, false // a larger MTU is never learned this way (RFC 1191 §3)
	}
	if cur, ok := t.entries[dst]; ok && cur.mtu <= mtu && now < cur.expires {
		return dst, cur.mtu, true
	}
	if len(t.entries) >= t.max {
		for k, e := range t.entries {
			if now >= e.expires || len(t.entries) >= t.max {
				delete(t.entries, k)
				if len(t.entries) < t.max {
					break
				}
			}
		}
	}
	t.entries[dst] = pmtuEntry{mtu: mtu, expires: now + t.ttl}
	return dst, mtu, true
}

// Len is the number of destinations with a learned MTU.
func (t *PMTU) Len() int { return len(t.entries) }

// Lookup returns the learned MTU to dst, or linkMTU when none is known or
// the entry aged out.
func (t *PMTU) Lookup(now time.Duration, dst netip.Addr, linkMTU int) int {
	e, ok := t.entries[dst]
	if !ok {
		return linkMTU
	}
	if now >= e.expires {
		delete(t.entries, dst)
		return linkMTU
	}
	return min(e.mtu, linkMTU)
}

// plateaus of RFC 1191 §7 table 7-1.
var plateaus = []int{65535, 32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68}

func plateau(length int) int {
	for _, p := range plateaus {
		if p < length {
			return p
		}
	}
	return MinMTU
}
