// Package admintest provides fake dependencies for the admin page whose
// data moves with a clock: connections open and carry traces with a
// sawtooth congestion window, counters grow, captures produce real pcap
// files. Tests drive it with a manual clock; the browser test's server
// drives it with the real one.
//
// It is not a model of the stack: the numbers are synthetic and only
// shaped like the real ones.
package admintest

import (
	"fmt"
	"log/slog"
	"math"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/tcpbox/tcpbox/appliance/admin"
	"github.com/tcpbox/tcpbox/config"
	"github.com/tcpbox/tcpbox/stack/tcp"
)

// Fake holds the fake box's state. Its methods are safe for concurrent
// use.
type Fake struct {
	Store *config.Store
	Now   func() time.Time
	Logs  *admin.LogRing
	Log   *slog.Logger
	Caps  *Captures

	// BusyPorts are ports the fake apply hook reports as in use.
	BusyPorts map[int]bool

	mu      sync.Mutex
	start   time.Time
	conns   []fakeConn // framed-echo connections, one opened every ConnEvery
	applied int
}

// ConnEvery is how often the fake opens a framed-echo connection.
const ConnEvery = 2 * time.Second

// keepConns bounds the connections kept.
const keepConns = 6

type fakeConn struct {
	id     uint64
	opened time.Time
	cc     string
	remote netip.AddrPort
}

// New makes a fake box whose configuration lives in store.
func New(store *config.Store, now func() time.Time) *Fake {
	logs := admin.NewLogRing(200, slog.LevelDebug, nil)
	f := &Fake{Store: store, Now: now, Logs: logs, Log: slog.New(logs), start: now(), BusyPorts: map[int]bool{}}
	f.Caps = newCaptures(now)
	f.Log.Info("fake tcpbox started", "interface", "eth0")
	return f
}

// Deps returns admin dependencies backed by the fake.
func (f *Fake) Deps(user, password string) admin.Deps {
	return admin.Deps{
		User: user, Password: password,
		Config:      f.Store,
		Apply:       f.Apply,
		Connections: f.Connections,
		Trace:       f.Trace,
		Counters:    f.Counters,
		Link:        f.Link,
		Services:    f.Services,
		Captures:    f.Caps,
		Logs:        f.Logs,
		Log:         f.Log,
		Now:         f.Now,
	}
}

// Apply is the fake apply hook: it refuses a busy port, like the real one
// when a listener cannot bind.
func (f *Fake) Apply(prev, next config.Config) error {
	for name, s := range serviceList(&next) {
		if s.Enabled && f.BusyPorts[s.Port] {
			return &config.FieldError{Path: "services." + name + ".port", Msg: fmt.Sprintf("port %d is in use", s.Port)}
		}
	}
	f.mu.Lock()
	f.applied++
	f.mu.Unlock()
	return nil
}

// Applied counts successful applies.
func (f *Fake) Applied() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.applied
}

func serviceList(c *config.Config) map[string]config.Service {
	s := &c.Services
	return map[string]config.Service{
		"tcp_echo": s.TCPEcho, "udp_echo": s.UDPEcho, "discard": s.Discard, "chargen": s.Chargen,
		"framed_echo": s.FramedEcho, "http_file": s.HTTPFile.Service, "framed_file": s.FramedFile.Service,
		"iperf3": s.Iperf3.Service,
	}
}

func congestionOf(c *config.Config, profile string) string {
	if p, ok := c.Profiles[profile]; ok {
		return p.Congestion
	}
	return c.TCP.Congestion
}

// update opens the connections due by now, each with the algorithm its
// service's profile names at that moment (as a real stack applies a
// profile to new connections).
func (f *Fake) update(now time.Time) {
	c := f.Store.Get()
	cc := congestionOf(&c, c.Services.FramedEcho.Profile)
	due := uint64(now.Sub(f.start)/ConnEvery) + 1
	next := uint64(1)
	if n := len(f.conns); n > 0 {
		next = f.conns[n-1].id + 1
	}
	if due >= keepConns && next < due-keepConns+1 {
		next = due - keepConns + 1 // long unobserved: skip the ones already gone
	}
	for id := next; id <= due; id++ {
		f.conns = append(f.conns, fakeConn{id: id, opened: f.start.Add(time.Duration(id-1) * ConnEvery), cc: cc,
			remote: netip.AddrPortFrom(netip.MustParseAddr("198.18.0.1"), uint16(40000+id%20000))})
		f.Log.Info("accepted", "service", "framed_echo", "id", id, "cc", cc)
	}
	if len(f.conns) > keepConns {
		f.conns = append([]fakeConn(nil), f.conns[len(f.conns)-keepConns:]...)
	}
}

const mss = 1448

// cwndAt is a sawtooth: slow start to 200 segments, halve, grow by one
// segment per 20 ms.
func cwndAt(t time.Duration) (cwnd, ssthresh int, event string) {
	const period = 3 * time.Second
	k := int(t / period)
	phase := t % period
	cwnd = 10*mss + int(phase/(20*time.Millisecond))*mss
	ssthresh = 1<<31 - 1
	if k > 0 {
		ssthresh = 100 * mss
		cwnd += 90 * mss
	}
	if phase < 50*time.Millisecond && k > 0 {
		event = "fast_recovery"
	}
	return
}

// Connections returns the fake's connections.
func (f *Fake) Connections() []tcp.Info {
	now := f.Now()
	f.mu.Lock()
	f.update(now)
	conns := append([]fakeConn(nil), f.conns...)
	f.mu.Unlock()
	local := netip.MustParseAddr("198.18.0.2")
	var out []tcp.Info
	for i, c := range conns {
		age := now.Sub(c.opened)
		cwnd, ss, _ := cwndAt(age)
		st := tcp.Established
		if i < len(conns)-3 {
			st = tcp.TimeWait
		}
		sent := uint64(age.Seconds() * 5e6)
		var inState [tcp.NumStates]time.Duration
		inState[tcp.SynReceived] = 20 * time.Millisecond
		inState[st] = age
		out = append(out, tcp.Info{
			ID: c.id, State: st, Local: netip.AddrPortFrom(local, 50000), Remote: c.remote,
			Listener: "framed_echo", Congestion: c.cc, CAState: "open",
			ISS: 1000, IRS: 5000, SndUna: 1001 + uint32(sent), SndNxt: 1001 + uint32(sent) + uint32(cwnd/2),
			SndWnd: 65535 << 7, RcvNxt: 5001 + uint32(sent), RcvWnd: 65535 << 7, SndWScale: 7, RcvWScale: 7,
			SndMSS: mss, RcvMSS: mss, AdvMSS: mss, PMTU: 1500, TimestampsOK: true, SACKOK: true, WScaleOK: true,
			SRTT: 20*time.Millisecond + time.Duration(cwnd/mss)*50*time.Microsecond, RTTVar: 2 * time.Millisecond,
			MinRTT: 20 * time.Millisecond, RTO: 220 * time.Millisecond, ATO: 40 * time.Millisecond,
			Cwnd: cwnd, Ssthresh: ss, DeliveryRate: uint64(float64(cwnd) / 0.02), Reordering: 3,
			Unacked: cwnd / 2 / mss, SndBuf: 4 << 20, RcvBuf: 6 << 20, RcvSpace: 131072,
			BytesSent: sent, BytesAcked: sent, BytesReceived: sent, SegsIn: sent / mss, SegsOut: sent / mss,
			TotalRetrans: uint64(age / (3 * time.Second)), Age: age, TimeInState: inState,
			LastDataSent: 3 * time.Millisecond, LastDataRecv: 2 * time.Millisecond, LastAckRecv: time.Millisecond,
			BusyTime: age, RwndLimited: age / 10,
		})
	}
	return out
}

// Trace samples the sawtooth like the stack: per "ACK" every 2 ms over
// the last 0.4 s, and a history of 100 ms intervals (doubled while more
// than 1024) over the connection's whole life.
func (f *Fake) Trace(id uint64) admin.ConnTrace {
	now := f.Now()
	f.mu.Lock()
	var opened time.Time
	for _, c := range f.conns {
		if c.id == id {
			opened = c.opened
		}
	}
	f.mu.Unlock()
	if opened.IsZero() {
		return admin.ConnTrace{}
	}
	age := now.Sub(opened)
	ct := admin.ConnTrace{Age: age, Interval: 100 * time.Millisecond}
	const step = 2 * time.Millisecond
	for t := max(0, age-400*time.Millisecond).Truncate(step); t <= age; t += step {
		cwnd, ss, ev := cwndAt(t)
		ct.Detail = append(ct.Detail, admin.TracePoint{At: t, Cwnd: cwnd, Ssthresh: ss, InFlight: cwnd * 9 / 10,
			SRTT: srttOf(cwnd), DeliveryRate: uint64(float64(cwnd) / 0.02), Event: ev})
	}
	for age/ct.Interval > 1024 {
		ct.Interval *= 2
	}
	for start := time.Duration(0); start < age; start += ct.Interval {
		p := admin.HistoryPoint{At: start, CwndMin: 1 << 30}
		var sum int
		n := 0
		for t := start; t < min(start+ct.Interval, age+1); t += 20 * time.Millisecond {
			cwnd, ss, ev := cwndAt(t)
			p.Cwnd, p.Ssthresh, p.InFlight, p.SRTT = cwnd, ss, cwnd*9/10, srttOf(cwnd)
			p.CwndMin, p.CwndMax = min(p.CwndMin, cwnd), max(p.CwndMax, cwnd)
			if ev != "" && !slices.Contains(p.Events, ev) {
				p.Events = append(p.Events, ev)
			}
			sum += cwnd
			n++
		}
		p.Throughput = uint64(float64(sum/n) / 0.02)
		ct.History = append(ct.History, p)
	}
	return ct
}

func srttOf(cwnd int) time.Duration {
	return 20*time.Millisecond + time.Duration(cwnd/mss)*50*time.Microsecond
}

// Counters grow linearly with time.
func (f *Fake) Counters() []admin.Counter {
	s := f.Now().Sub(f.start).Seconds()
	n := func(rate float64) uint64 { return uint64(math.Max(0, s*rate)) }
	return []admin.Counter{
		{Layer: "link", Name: "rx_frames", Value: n(8000), Help: "Frames received from the NIC."},
		{Layer: "link", Name: "tx_frames", Value: n(7900), Help: "Frames sent to the NIC."},
		{Layer: "arp", Name: "requests_in", Value: n(0.5)},
		{Layer: "ip", Name: "packets_in", Value: n(7990)},
		{Layer: "tcp", Name: "segs_in", Value: n(7900)},
		{Layer: "tcp", Name: "segs_out", Value: n(7800)},
		{Layer: "tcp", Name: "retrans_segs", Value: n(3)},
		{Layer: "ip", Name: "bad_checksum", Value: n(0.1), Drop: true, Help: "IPv4 header checksum wrong (RFC 791)."},
		{Layer: "tcp", Name: "no_listener", Value: n(1), Drop: true, Help: "Segment for no connection and no listener: answered with RST."},
		{Layer: "link", Name: "not_for_us \"quoted\"\\", Value: n(2), Drop: true, Help: "Frame addressed to another MAC.\nSecond line."},
	}
}

// Link describes a fake eth0 with a DHCP lease.
func (f *Fake) Link() admin.LinkInfo {
	return admin.LinkInfo{Name: "eth0", Mode: "dedicated", MAC: "02:00:5e:10:00:02", MTU: 1500, Up: true, Speed: "1000Mb/s",
		Addresses: []string{"198.18.0.2/24"}, Gateway: "198.18.0.1",
		DHCP:    &admin.Lease{Server: "198.18.0.1", Address: "198.18.0.2", Obtained: f.start, Expires: f.start.Add(time.Hour)},
		Started: f.start}
}

// Services reflects the configuration.
func (f *Fake) Services() []admin.ServiceInfo {
	c := f.Store.Get()
	s := f.Now().Sub(f.start).Seconds()
	var out []admin.ServiceInfo
	for _, name := range []string{"tcp_echo", "udp_echo", "discard", "chargen", "framed_echo", "http_file", "framed_file", "iperf3"} {
		sv := serviceList(&c)[name]
		proto := "tcp"
		if name == "udp_echo" {
			proto = "udp"
		}
		active := 0
		if name == "framed_echo" {
			active = 3
		}
		out = append(out, admin.ServiceInfo{Name: name, Proto: proto, Port: sv.Port, Enabled: sv.Enabled, Listening: sv.Enabled,
			Profile: sv.Profile, Congestion: congestionOf(&c, sv.Profile), Active: active,
			Counters: []admin.Value{{Name: "accepted", Value: uint64(s / 2)}, {Name: "refused_limit", Value: 0}, {Name: "errors", Value: 0}}})
	}
	return out
}
