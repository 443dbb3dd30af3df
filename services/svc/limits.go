package svc

import (
	"net"
	"net/netip"
	"sync"
	"time"
)

// Limits bound what one service gives its clients. Zero means "no limit"
// for every field.
type Limits struct {
	MaxConns        int           // connections at once, for the service
	MaxConnsPerAddr int           // connections at once from one client IP
	IdleTimeout     time.Duration // a connection with no read or write progress this long is closed
}

// Default limits used when a service is given none.
var DefaultLimits = Limits{MaxConns: 1024, MaxConnsPerAddr: 64, IdleTimeout: 5 * time.Minute}

// OrDefault returns l, or DefaultLimits when l is the zero value (a
// service given no limits).
func (l Limits) OrDefault() Limits {
	if l == (Limits{}) {
		return DefaultLimits
	}
	return l
}

// Reasons a connection is refused by a limit, as counted in Stats.
const (
	ReasonMaxConns        = "limit_conns"
	ReasonMaxConnsPerAddr = "limit_conns_per_addr"
)

// admission tracks open connections against Limits.
type admission struct {
	lim   Limits
	mu    sync.Mutex
	total int
	perIP map[netip.Addr]int
}

func newAdmission(l Limits) *admission {
	return &admission{lim: l, perIP: make(map[netip.Addr]int)}
}

// addrOf returns the client IP of a connection, or the zero Addr when the
// address is not IP (then only the service-wide limit applies).
func addrOf(a net.Addr) netip.Addr {
	switch a := a.(type) {
	case *net.TCPAddr:
		ip, _ := netip.AddrFromSlice(a.IP)
		return ip.Unmap()
	case *net.UDPAddr:
		ip, _ := netip.AddrFromSlice(a.IP)
		return ip.Unmap()
	}
	if a == nil {
		return netip.Addr{}
	}
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

// admit reserves a slot for a connection from ip or returns the reason it
// is refused.
func (a *admission) admit(ip netip.Addr) (ok bool, reason string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.lim.MaxConns > 0 && a.total >= a.lim.MaxConns {
		return false, ReasonMaxConns
	}
	if ip.IsValid() && a.lim.MaxConnsPerAddr > 0 && a.perIP[ip] >= a.lim.MaxConnsPerAddr {
		return false, ReasonMaxConnsPerAddr
	}
	a.total++
	if ip.IsValid() {
		a.perIP[ip]++
	}
	return true, ""
}

func (a *admission) release(ip netip.Addr) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.total--
	if ip.IsValid() {
		if a.perIP[ip]--; a.perIP[ip] <= 0 {
			delete(a.perIP, ip)
		}
	}
}
