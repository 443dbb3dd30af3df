package dhcp

import (
	"bytes"
	"errors"
	"net/netip"
	"testing"
	"time"
)

// A scripted server: the tests play the server's side of RFC 2131's
// exchanges and check every message the client sends.

var (
	mac      = [6]byte{2, 0, 0, 0, 0, 2}
	serverIP = netip.MustParseAddr("198.18.0.1")
	offered  = netip.MustParseAddr("198.18.0.50")
	bcast    = netip.MustParseAddr("255.255.255.255")
)

type sent struct {
	p Packet
	m *Message
}

func collect(t *testing.T, c *Client, now time.Duration) []sent {
	t.Helper()
	var out []sent
	c.Output(now, func(p Packet) {
		m, err := Parse(p.Data)
		if err != nil {
			t.Fatalf("client sent an unparsable message: %v", err)
		}
		out = append(out, sent{p, m})
	})
	return out
}

func reply(req *Message, typ uint8, mod func(*Message)) []byte {
	m := &Message{Op: bootReply, XID: req.XID, CHAddr: req.CHAddr, Type: typ, YIAddr: offered, Server: serverIP,
		Mask: netip.MustParseAddr("255.255.255.0"), Router: serverIP, Lease: 3600}
	if mod != nil {
		mod(m)
	}
	b := make([]byte, 576)
	return b[:m.Encode(b)]
}

func bindClient(t *testing.T) (*Client, *Message) {
	t.Helper()
	c := NewClient(Config{MAC: mac, Seed: 7, Hostname: "tcpbox"})
	c.Start(0)
	out := collect(t, c, 0)
	if len(out) != 1 || out[0].m.Type != Discover || out[0].p.Dst != bcast || !out[0].p.Src.IsUnspecified() ||
		out[0].m.Flags&flagBroadcast == 0 || out[0].m.CHAddr != mac || !bytes.Equal(out[0].m.ClientID, DefaultClientID(mac)) {
		t.Fatalf("discover: %+v", out)
	}
	if ev, err := c.Input(time.Second, reply(out[0].m, Offer, nil)); ev != EventNone || err != nil || c.State() != Requesting {
		t.Fatalf("offer: %v %v %v", ev, err, c.State())
	}
	out = collect(t, c, time.Second)
	if len(out) != 1 || out[0].m.Type != Request || out[0].m.ReqIP != offered || out[0].m.Server != serverIP ||
		out[0].m.CIAddr.IsValid() && !out[0].m.CIAddr.IsUnspecified() || out[0].p.Dst != bcast {
		t.Fatalf("request: %+v", out[0].m)
	}
	ev, err := c.Input(2*time.Second, reply(out[0].m, Ack, nil))
	if ev != EventBound || err != nil || c.State() != Bound {
		t.Fatalf("ack: %v %v %v", ev, err, c.State())
	}
	return c, out[0].m
}

func TestDiscoverOfferRequestAck(t *testing.T) {
	c, _ := bindClient(t)
	l, ok := c.Lease()
	if !ok || l.Addr != netip.MustParsePrefix("198.18.0.50/24") || l.Router != serverIP || l.Server != serverIP ||
		l.Duration != time.Hour || l.T1 != 30*time.Minute || l.T2 != 52*time.Minute+30*time.Second {
		t.Fatalf("lease %+v", l)
	}
	// Acquired is when the REQUEST exchange began (1 s), so T1 falls at
	// 1 s + 30 min (RFC 2131 §4.4.1).
	if d := c.NextDeadline(); d != time.Second+30*time.Minute {
		t.Fatalf("T1 deadline %v", d)
	}
}

func TestRenewRebindExpire(t *testing.T) {
	c, _ := bindClient(t)
	t1 := time.Second + 30*time.Minute
	if out := collect(t, c, t1-time.Millisecond); len(out) != 0 {
		t.Fatal("renewed before T1")
	}
	out := collect(t, c, t1)
	if c.State() != Renewing || len(out) != 1 || out[0].p.Dst != serverIP || out[0].p.Src != offered ||
		out[0].m.CIAddr != offered || out[0].m.Server.IsValid() || out[0].m.ReqIP.IsValid() {
		t.Fatalf("renew: %v %+v", c.State(), out)
	}
	// Next retransmission: half the time to T2, at least 60 s.
	t2 := time.Second + 52*time.Minute + 30*time.Second
	if d := c.NextDeadline(); d != t1+(t2-t1)/2 {
		t.Fatalf("renew retransmission at %v", d)
	}
	// No answer until T2: REBINDING, broadcast.
	now := t1
	for c.State() == Renewing {
		now = c.NextDeadline()
		out = collect(t, c, now)
	}
	if c.State() != Rebinding || now != t2 || len(out) != 1 || out[0].p.Dst != bcast || out[0].m.CIAddr != offered {
		t.Fatalf("rebind at %v: %v %+v", now, c.State(), out)
	}
	// A rebinding ACK (any server) renews the lease.
	ev, _ := c.Input(now, reply(out[0].m, Ack, nil))
	if ev != EventRenewed || c.State() != Bound {
		t.Fatalf("rebind ack: %v %v", ev, c.State())
	}
	// Let it run out: the address is lost at lease end.
	lost := false
	for i := 0; i < 100 && !lost; i++ {
		now = c.NextDeadline()
		if ev := c.Output(now, func(Packet) {}); ev == EventLost {
			lost = true
		}
	}
	l := c.lease
	if !lost || now != l.Acquired+l.Duration || c.State() != Selecting {
		t.Fatalf("expiry: lost %v at %v (lease end %v), state %v", lost, now, l.Acquired+l.Duration, c.State())
	}
	if _, ok := c.Lease(); ok {
		t.Fatal("lease kept after expiry")
	}
}

func TestNakRestarts(t *testing.T) {
	c, _ := bindClient(t)
	out := collect(t, c, c.NextDeadline())
	ev, _ := c.Input(c.NextDeadline(), reply(out[0].m, Nak, nil))
	if ev != EventLost || c.State() != Selecting {
		t.Fatalf("nak: %v %v", ev, c.State())
	}
	if out := collect(t, c, c.NextDeadline()); len(out) != 1 || out[0].m.Type != Discover {
		t.Fatalf("after nak: %+v", out)
	}
}

func TestIgnoresOthers(t *testing.T) {
	c := NewClient(Config{MAC: mac, Seed: 1})
	c.Start(0)
	out := collect(t, c, 0)
	for _, mod := range []func(*Message){
		func(m *Message) { m.XID++ },
		func(m *Message) { m.CHAddr[5]++ },
		func(m *Message) { m.Op = bootRequest },
		func(m *Message) { m.Server = netip.Addr{} },
		func(m *Message) { m.YIAddr = netip.IPv4Unspecified() },
	} {
		c.Input(0, reply(out[0].m, Offer, mod))
		if c.State() != Selecting {
			t.Fatal("took a foreign or bad offer")
		}
	}
	if ev, _ := c.Input(0, reply(out[0].m, Ack, nil)); ev != EventNone {
		t.Fatal("ACK while selecting")
	}
	if _, err := c.Input(0, []byte{1, 2, 3}); !errors.Is(err, ErrTruncated) {
		t.Fatalf("short: %v", err)
	}
}

func TestDiscoverBackoff(t *testing.T) {
	c := NewClient(Config{MAC: mac, Seed: 3})
	c.Start(0)
	now := time.Duration(0)
	prev := now
	for i := 0; i < 7; i++ {
		if out := collect(t, c, now); len(out) != 1 {
			t.Fatalf("attempt %d: %d messages", i, len(out))
		}
		next := c.NextDeadline()
		want := 4 * time.Second << min(i, 4)
		if d := next - now; d < want-time.Second || d > want+time.Second {
			t.Fatalf("attempt %d: wait %v, want %v +-1s", i, d, want)
		}
		prev, now = now, next
	}
	_ = prev
}

func TestRequestGivesUp(t *testing.T) {
	c := NewClient(Config{MAC: mac, Seed: 3})
	c.Start(0)
	out := collect(t, c, 0)
	c.Input(0, reply(out[0].m, Offer, nil))
	n := 0
	for c.State() == Requesting {
		out = collect(t, c, c.NextDeadline())
		n++
	}
	if n != maxRequests+1 || out[len(out)-1].m.Type != Discover {
		t.Fatalf("%d rounds, last %+v", n, out[len(out)-1].m)
	}
}

func TestRelease(t *testing.T) {
	c, _ := bindClient(t)
	var got []sent
	c.Release(func(p Packet) {
		m, _ := Parse(p.Data)
		got = append(got, sent{p, m})
	})
	if len(got) != 1 || got[0].m.Type != Release || got[0].p.Dst != serverIP || got[0].m.CIAddr != offered ||
		got[0].m.Server != serverIP || c.State() != Stopped || c.NextDeadline() != 0 {
		t.Fatalf("release %+v", got)
	}
}

func TestClientIDDistinctFromKernels(t *testing.T) {
	id := DefaultClientID(mac)
	// Kernel clients send type 1 + MAC (RFC 2132 §9.14); ours is RFC 4361.
	if id[0] != 255 || bytes.Equal(id, append([]byte{1}, mac[:]...)) || !bytes.HasSuffix(id, mac[:]) {
		t.Fatalf("client id %x", id)
	}
}

func TestMessageRoundTrip(t *testing.T) {
	m := Message{Op: bootReply, XID: 9, Flags: flagBroadcast, YIAddr: offered, CHAddr: mac, Type: Ack, Server: serverIP,
		Mask: netip.MustParseAddr("255.255.255.0"), Router: serverIP, Lease: 60, T1: 20, T2: 40, ClientID: []byte{1, 2}}
	b := make([]byte, 576)
	n := m.Encode(b)
	got, err := Parse(b[:n])
	if err != nil || got.XID != 9 || got.YIAddr != offered || got.Type != Ack || got.Server != serverIP ||
		got.Lease != 60 || got.T1 != 20 || got.T2 != 40 || got.Router != serverIP || !bytes.Equal(got.ClientID, []byte{1, 2}) {
		t.Fatalf("%+v %v", got, err)
	}
	// Malformed options.
	bad := append([]byte(nil), b[:n]...)
	bad[240], bad[241] = optMessageType, 200 // runs past the end
	if _, err := Parse(bad); !errors.Is(err, ErrMalformed) {
		t.Fatalf("overlong option: %v", err)
	}
	bad = append([]byte(nil), b[:n]...)
	bad[236] = 0 // cookie
	if _, err := Parse(bad); !errors.Is(err, ErrMalformed) {
		t.Fatalf("cookie: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	m := Message{Op: bootReply, XID: 9, YIAddr: offered, CHAddr: mac, Type: Offer, Server: serverIP, Lease: 60, DNS: []netip.Addr{serverIP}}
	b := make([]byte, 576)
	f.Add(b[:m.Encode(b)])
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(b)
		if err != nil {
			return
		}
		// What parsed feeds a client without harm.
		c := NewClient(Config{MAC: m.CHAddr, Seed: 1})
		c.Start(0)
		c.xid = m.XID
		c.Input(0, b)
		c.Output(0, func(Packet) {})
		c.Input(0, b)
		c.Output(time.Hour, func(Packet) {})
	})
}

func TestInitRebootKeepsPreviousAddress(t *testing.T) {
	c := NewClient(Config{MAC: mac, Seed: 5, Previous: offered})
	c.Start(0)
	if c.State() != InitReboot {
		t.Fatalf("state %v", c.State())
	}
	out := collect(t, c, 0)
	m := out[0].m
	if len(out) != 1 || m.Type != Request || m.ReqIP != offered || m.Server.IsValid() ||
		m.CIAddr.IsValid() && !m.CIAddr.IsUnspecified() || out[0].p.Dst != bcast || !out[0].p.Src.IsUnspecified() {
		t.Fatalf("INIT-REBOOT request %+v", m)
	}
	if ev, _ := c.Input(time.Second, reply(m, Ack, nil)); ev != EventBound || c.State() != Bound {
		t.Fatalf("ack: %v %v", ev, c.State())
	}
	if l, _ := c.Lease(); l.Addr.Addr() != offered || l.Server != serverIP {
		t.Fatalf("lease %+v", l)
	}
}

func TestInitRebootNakDiscovers(t *testing.T) {
	c := NewClient(Config{MAC: mac, Seed: 5, Previous: netip.MustParseAddr("198.18.0.77")})
	c.Start(0)
	out := collect(t, c, 0)
	if ev, _ := c.Input(0, reply(out[0].m, Nak, nil)); ev != EventNone || c.State() != Selecting {
		t.Fatalf("nak: %v %v", ev, c.State())
	}
	if out := collect(t, c, c.NextDeadline()); len(out) != 1 || out[0].m.Type != Discover {
		t.Fatalf("after nak: %+v", out)
	}
}

func TestInitRebootSilenceDiscovers(t *testing.T) {
	c := NewClient(Config{MAC: mac, Seed: 5, Previous: offered})
	c.Start(0)
	var last []sent
	for i := 0; i <= maxRequests; i++ {
		last = collect(t, c, c.NextDeadline())
	}
	if c.State() != Selecting || len(last) != 1 || last[0].m.Type != Discover {
		t.Fatalf("after %d unanswered requests: %v %+v", maxRequests, c.State(), last)
	}
}
