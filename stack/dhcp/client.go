package dhcp

import (
	"encoding/binary"
	"net/netip"
	"time"
)

// State is a client state of RFC 2131 §4.4, Figure 5.
type State uint8

// States, after an invalid zero value.
const (
	StateInvalid State = iota
	Init
	Selecting
	Requesting
	Bound
	Renewing
	Rebinding
	Stopped
	InitReboot // REBOOTING in Figure 5: asking to keep a previous address
)

var stateNames = [...]string{"INVALID", "INIT", "SELECTING", "REQUESTING", "BOUND", "RENEWING", "REBINDING", "STOPPED", "INIT-REBOOT"}

func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "INVALID"
}

// Lease is what a server granted.
type Lease struct {
	Addr     netip.Prefix
	Router   netip.Addr // invalid when none
	DNS      []netip.Addr
	Server   netip.Addr
	Duration time.Duration
	T1, T2   time.Duration // relative to Acquired
	Acquired time.Duration // client time when the request was sent
}

// Packet is one message to send from port 68 to port 67.
type Packet struct {
	// Src is 0.0.0.0 before an address is bound, else the bound address.
	Src netip.Addr
	// Dst is 255.255.255.255 (link broadcast) or the server (unicast).
	Dst  netip.Addr
	Data []byte // valid during the emit call only
}

// Event reports a change of the lease.
type Event uint8

// Events Input and Output may return.
const (
	EventNone    Event = iota
	EventBound         // a new lease (or a renewed one with other parameters): configure Lease()
	EventRenewed       // the same lease extended
	EventLost          // the address must no longer be used (NAK, expiry)
)

// Config configures a Client.
type Config struct {
	MAC [6]byte
	// ClientID is option 61; nil builds the default of package doc.
	ClientID []byte
	Hostname string
	// Seed feeds transaction IDs and retransmission jitter.
	Seed uint64
	// Previous is the address of an earlier lease, if known: the client
	// then starts in INIT-REBOOT and asks to keep it (RFC 2131 §3.2)
	// before falling back to discovery.
	Previous netip.Addr
}

// iaid is tcpbox's fixed IAID ("tcpb"), distinct from any a kernel client
// derives from the interface index.
const iaid = 0x74637062

// DefaultClientID is the RFC 4361 §6.1 identifier for mac: 255, IAID,
// DUID-LL (RFC 8415 §11.4: type 3, hardware type 1, the MAC).
func DefaultClientID(mac [6]byte) []byte {
	id := []byte{255, 0, 0, 0, 0, 0, 3, 0, 1}
	binary.BigEndian.PutUint32(id[1:], iaid)
	return append(id, mac[:]...)
}

// Client is one DHCP client. It is not safe for concurrent use.
type Client struct {
	cfg   Config
	state State
	rng   uint64

	xid      uint32
	started  time.Duration // when the current exchange began (secs field)
	reqSent  time.Duration // when the first REQUEST of the exchange went out
	next     time.Duration // next transmission or state deadline
	attempt  int           // retransmissions in this state
	offer    *Message      // the offer being requested
	lease    Lease
	haveAddr bool
	buf      [576]byte
}

// NewClient returns a client in INIT; call Start.
func NewClient(cfg Config) *Client {
	if cfg.ClientID == nil {
		cfg.ClientID = DefaultClientID(cfg.MAC)
	}
	return &Client{cfg: cfg, state: Init, rng: cfg.Seed | 1}
}

func (c *Client) rand() uint32 {
	// xorshift64*: enough for transaction IDs and jitter.
	c.rng ^= c.rng >> 12
	c.rng ^= c.rng << 25
	c.rng ^= c.rng >> 27
	return uint32((c.rng * 2685821657736338717) >> 32)
}

// State is the current state.
func (c *Client) State() State { return c.state }

// Lease returns the current lease while an address is held.
func (c *Client) Lease() (Lease, bool) { return c.lease, c.haveAddr }

// Start begins discovery (INIT -> SELECTING): the first DISCOVER is due
// at once. RFC 2131 §4.4.1 suggests a random 1-10 s wait first, to
// desynchronise clients booting together; an appliance booting alone
// does not need it, and tests see the exchange at once.
func (c *Client) Start(now time.Duration) {
	if c.cfg.Previous.Is4() && !c.cfg.Previous.IsUnspecified() {
		c.state = InitReboot
		c.xid = c.rand()
		c.started, c.next, c.attempt = now, now, 0
		return
	}
	c.toInit(now)
}

func (c *Client) toInit(now time.Duration) {
	c.state = Selecting
	c.xid = c.rand()
	c.started, c.next, c.attempt = now, now, 0
	c.offer = nil
}

// backoff is RFC 2131 §4.1's retransmission delay: 4 s doubling up to
// 64 s, randomised by +-1 s.
func (c *Client) backoff() time.Duration {
	d := 4 * time.Second << min(c.attempt, 4)
	jitter := time.Duration(c.rand()%2001)*time.Millisecond - time.Second
	return d + jitter
}

// maxRequests is how many REQUESTs are sent in REQUESTING before starting
// over (RFC 2131 §3.1 step 5 leaves the number to the client).
const maxRequests = 4

// NextDeadline is when Output has something to do, or 0 when nothing
// (STOPPED).
func (c *Client) NextDeadline() time.Duration {
	if c.state == Stopped || c.state == StateInvalid {
		return 0
	}
	return c.next
}

// Output emits what is due at now and moves timers; it returns a lease
// event when a timer changed the lease (expiry).
func (c *Client) Output(now time.Duration, emit func(Packet)) Event {
	if c.state == Stopped || now < c.next {
		return EventNone
	}
	switch c.state {
	case Selecting:
		c.send(emit, Discover, now)
		c.next = now + c.backoff()
		c.attempt++
	case Requesting, InitReboot:
		if c.attempt >= maxRequests {
			// No answer (RFC 2131 §3.2 step 5 for INIT-REBOOT, §4.4.1 for
			// REQUESTING): start over with discovery.
			c.toInit(now)
			return c.Output(now, emit)
		}
		c.send(emit, Request, now)
		c.next = now + c.backoff()
		c.attempt++
	case Bound:
		// T1: RENEWING, unicast to the leasing server (RFC 2131 §4.4.5).
		c.state, c.xid, c.started, c.attempt = Renewing, c.rand(), now, 0
		return c.Output(now, emit)
	case Renewing, Rebinding:
		end := c.lease.Acquired + c.lease.Duration
		if now >= end {
			// The lease ran out: stop using the address (§4.4.5).
			c.haveAddr = false
			c.toInit(now)
			c.Output(now, emit)
			return EventLost
		}
		t2 := c.lease.Acquired + c.lease.T2
		if c.state == Renewing && now >= t2 {
			c.state, c.xid, c.started, c.attempt = Rebinding, c.rand(), now, 0
		}
		c.send(emit, Request, now)
		// "wait one-half of the remaining time until T2 (in RENEWING
		// state) and one-half of the remaining lease time (in REBINDING
		// state), down to a minimum of 60 seconds".
		limit := end
		if c.state == Renewing {
			limit = t2
		}
		wait := max((limit-now)/2, 60*time.Second)
		c.next = min(now+wait, limit)
		c.attempt++
	}
	return EventNone
}

func (c *Client) send(emit func(Packet), typ uint8, now time.Duration) {
	m := Message{
		Op: bootRequest, XID: c.xid, CHAddr: c.cfg.MAC, Type: typ,
		ClientID: c.cfg.ClientID, Hostname: c.cfg.Hostname, MaxSize: 1500 - 28,
		Secs:   uint16(min(max(now-c.started, 0)/time.Second, 0xffff)),
		Params: []byte{optSubnetMask, optRouter, optDNS, optLeaseTime, optT1, optT2},
	}
	p := Packet{Src: netip.IPv4Unspecified(), Dst: netip.AddrFrom4([4]byte{255, 255, 255, 255})}
	if typ == Request && c.attempt == 0 {
		// The lease runs from the time the request was sent (RFC 2131
		// §4.4.1); the first of a series is the safe choice.
		c.reqSent = now
	}
	switch {
	case typ == Discover:
		m.Flags = flagBroadcast
	case typ == Request && c.state == InitReboot:
		// INIT-REBOOT: requested address, no server identifier, ciaddr
		// zero, broadcast (RFC 2131 §4.3.2 table).
		m.Flags = flagBroadcast
		m.ReqIP = c.cfg.Previous
	case typ == Request && c.state == Requesting:
		// SELECTING's request: server identifier and requested address,
		// ciaddr zero, broadcast (RFC 2131 §4.3.2 table).
		m.Flags = flagBroadcast
		m.Server, m.ReqIP = c.offer.Server, c.offer.YIAddr
	case typ == Request: // RENEWING (unicast to the server) or REBINDING (broadcast)
		m.CIAddr = c.lease.Addr.Addr()
		p.Src = m.CIAddr
		if c.state == Renewing {
			p.Dst = c.lease.Server
		}
	case typ == Release:
		m.CIAddr, m.Server = c.lease.Addr.Addr(), c.lease.Server
		m.Params = nil
		p.Src, p.Dst = m.CIAddr, c.lease.Server
	}
	n := m.Encode(c.buf[:])
	p.Data = c.buf[:n]
	emit(p)
}

// Input takes a message received on port 68 and returns the lease event
// it caused. Messages for another client (xid, chaddr) or of the wrong
// type for the state are ignored.
func (c *Client) Input(now time.Duration, b []byte) (Event, error) {
	m, err := Parse(b)
	if err != nil {
		return EventNone, err
	}
	if m.Op != bootReply || m.XID != c.xid || m.CHAddr != c.cfg.MAC {
		return EventNone, nil
	}
	switch c.state {
	case Selecting:
		if m.Type != Offer || !m.YIAddr.Is4() || m.YIAddr.IsUnspecified() || !m.Server.IsValid() {
			return EventNone, nil
		}
		// Take the first offer (RFC 2131 §4.4.1 lets the client choose).
		c.offer = m
		c.state, c.attempt, c.next = Requesting, 0, now
		return EventNone, nil
	case Requesting, Renewing, Rebinding, InitReboot:
		if c.state == Requesting && m.Server != c.offer.Server {
			return EventNone, nil // another server's answer (§4.3.2)
		}
		switch m.Type {
		case Nak:
			lost := c.haveAddr
			c.haveAddr = false
			c.toInit(now)
			if lost {
				return EventLost, nil
			}
			return EventNone, nil
		case Ack:
			return c.bind(now, m), nil
		}
	}
	return EventNone, nil
}

func (c *Client) bind(now time.Duration, m *Message) Event {
	if !m.YIAddr.Is4() || m.YIAddr.IsUnspecified() || m.Lease == 0 {
		return EventNone // RFC 2131 §9.2 table 3: an ACK to a REQUEST carries the lease time
	}
	bits := 24
	if m.Mask.IsValid() {
		v := binary.BigEndian.Uint32(m.Mask.AsSlice())
		ones := 0
		for v&0x80000000 != 0 {
			ones++
			v <<= 1
		}
		if v == 0 && ones > 0 { // contiguous
			bits = ones
		}
	} else {
		// No mask: the classful default (RFC 1122 §3.3.1.1 leaves the
		// host to cope).
		switch a := m.YIAddr.As4(); {
		case a[0] < 128:
			bits = 8
		case a[0] < 192:
			bits = 16
		}
	}
	l := Lease{
		Addr:     netip.PrefixFrom(m.YIAddr, bits),
		DNS:      m.DNS,
		Server:   m.Server,
		Duration: time.Duration(m.Lease) * time.Second,
		Acquired: c.reqSent,
	}
	if l.Duration > 0 && m.Lease == 0xffffffff {
		l.Duration = 1 << 62 // infinity (RFC 2131 §3.3)
	}
	if m.Router.IsValid() && l.Addr.Contains(m.Router) {
		l.Router = m.Router
	}
	if !l.Server.IsValid() {
		l.Server = c.lease.Server
	}
	// RFC 2131 §4.4.5: T1 defaults to 0.5 and T2 to 0.875 of the lease.
	l.T1, l.T2 = l.Duration/2, l.Duration*7/8
	if m.T1 != 0 && time.Duration(m.T1)*time.Second < l.Duration {
		l.T1 = time.Duration(m.T1) * time.Second
	}
	if m.T2 != 0 && time.Duration(m.T2)*time.Second < l.Duration && time.Duration(m.T2)*time.Second > l.T1 {
		l.T2 = time.Duration(m.T2) * time.Second
	}
	if l.T2 <= l.T1 {
		l.T2 = l.T1 + (l.Duration-l.T1)*3/4
	}
	ev := EventBound
	if c.haveAddr && c.lease.Addr == l.Addr && c.lease.Router == l.Router {
		ev = EventRenewed
	}
	c.lease, c.haveAddr = l, true
	c.state, c.attempt, c.next = Bound, 0, l.Acquired+l.T1
	return ev
}

// Release gives the lease back (RFC 2131 §4.4.6: a DHCPRELEASE unicast to
// the server) and stops the client. The caller stops using the address.
func (c *Client) Release(emit func(Packet)) {
	if c.haveAddr && c.lease.Server.IsValid() {
		c.send(emit, Release, 0)
	}
	c.haveAddr = false
	c.state = Stopped
}
