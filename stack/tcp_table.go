package stack

import (
	"net/netip"
	"sync"
)

// tcpKey names one connection by its 4-tuple as seen from this stack. Both
// halves are netip.AddrPort values, so the key is comparable and a map
// lookup with it allocates nothing.
type tcpKey struct {
	local, remote netip.AddrPort
}

// tcpTable is the TCP demultiplexer (RFC 9293 §3.10.7: a segment belongs
// to the connection of its 4-tuple, else to a listener of its local port,
// else to nobody and is answered with a reset).
//
// Connections in every synchronized state, TIME-WAIT included, live in
// conns until their tcp.Conn reports Done; listeners live in listeners
// keyed by their local address and port, an unspecified address standing
// for every local address.
type tcpTable struct {
	mu        sync.RWMutex
	conns     map[tcpKey]*TCPConn
	listeners map[netip.AddrPort]*TCPListener
}

func (t *tcpTable) init() {
	t.conns = make(map[tcpKey]*TCPConn)
	t.listeners = make(map[netip.AddrPort]*TCPListener)
}

// lookup returns the connection of a 4-tuple, or else the listener for
// the local address and port (exact address first, then the wildcard).
func (t *tcpTable) lookup(k tcpKey) (*TCPConn, *TCPListener) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if c := t.conns[k]; c != nil {
		return c, nil
	}
	if l := t.listeners[k.local]; l != nil {
		return nil, l
	}
	wild := netip.AddrPortFrom(netip.IPv4Unspecified(), k.local.Port())
	return nil, t.listeners[wild]
}

// addConn inserts a connection; it fails if the 4-tuple is taken.
func (t *tcpTable) addConn(c *TCPConn) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.conns[c.key]; ok {
		return false
	}
	t.conns[c.key] = c
	return true
}

// removeConn deletes a connection if it is still the one in the table.
func (t *tcpTable) removeConn(c *TCPConn) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.conns[c.key] == c {
		delete(t.conns, c.key)
	}
}

// addListener inserts a listener. A port held only by connections (in
// TIME-WAIT or otherwise) does not stop a new listener: that is
// SO_REUSEADDR's meaning for a listening socket, and Linux's behaviour for
// TIME-WAIT. Two listeners on the same address and port, or a specific
// address beside a wildcard on the same port, are refused.
func (t *tcpTable) addListener(l *TCPListener) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.listeners[l.addr]; ok {
		return false
	}
	port := l.addr.Port()
	for a := range t.listeners {
		if a.Port() == port && (a.Addr().IsUnspecified() || l.addr.Addr().IsUnspecified()) {
			return false
		}
	}
	t.listeners[l.addr] = l
	return true
}

func (t *tcpTable) removeListener(l *TCPListener) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.listeners[l.addr] == l {
		delete(t.listeners, l.addr)
	}
}

// portInUse reports whether an active open from local:port to remote would
// collide with a connection or a listener.
func (t *tcpTable) portInUse(local netip.Addr, port uint16, remote netip.AddrPort) bool {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if _, ok := t.conns[tcpKey{netip.AddrPortFrom(local, port), remote}]; ok {
		return true
	}
	if _, ok := t.listeners[netip.AddrPortFrom(local, port)]; ok {
		return true
	}
	_, ok := t.listeners[netip.AddrPortFrom(netip.IPv4Unspecified(), port)]
	return ok
}

// snapshotConns returns the connections in the table (for TCPConnections).
func (t *tcpTable) snapshotConns() []*TCPConn {
	t.mu.RLock()
	defer t.mu.RUnlock()
	out := make([]*TCPConn, 0, len(t.conns))
	for _, c := range t.conns {
		out = append(out, c)
	}
	return out
}

// snapshotListeners returns the listeners in the table.
func (t *tcpTable) snapshotListeners() []*TCPListener {
	t.mu.RLock()
	defer t.mu.RUnlock()
	out := make([]*TCPListener, 0, len(t.listeners))
	for _, l := range t.listeners {
		out = append(out, l)
	}
	return out
}
