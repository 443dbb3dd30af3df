package appliance

import (
	"context"
	"fmt"
	"net"
	"os"
	"sort"
	"time"

	"github.com/tcpbox/tcpbox/appliance/admin"
	"github.com/tcpbox/tcpbox/config"
	"github.com/tcpbox/tcpbox/services/svc"
	"github.com/tcpbox/tcpbox/stack"
	"github.com/tcpbox/tcpbox/stack/tcp"
)

// adminHandler builds the admin page over the box: every adapter reads
// the current instance, so a re-created link or stack shows at once.
func (b *box) adminHandler(logs *admin.LogRing) (*admin.Handler, error) {
	d := admin.Deps{
		Config:      b.store,
		Apply:       b.apply,
		Effective:   b.effective,
		NoEffect:    noEffectYet,
		Connections: b.connections,
		Counters:    b.counters,
		Link:        b.linkInfo,
		Services:    b.serviceInfo,
		Trace:       b.connTrace,
		Captures:    b.captures,
		Logs:        logs,
		Log:         b.log.With("component", "admin"),
	}
	if err := b.password(&d); err != nil {
		return nil, err
	}
	b.user = d.User
	return admin.New(d)
}

// password sets the admin page's credentials: gokrazy's password under
// gokrazy (user "gokrazy"), else the one generated in the state directory
// (user "admin"), printed once when created; admin.password_hash, when
// set, is checked instead.
func (b *box) password(d *admin.Deps) error {
	pw, ok, err := admin.GokrazyPassword(b.cfg.GokrazyRoot)
	if err != nil {
		return fmt.Errorf("admin: %w", err)
	}
	if ok {
		d.User, d.Password = "gokrazy", pw
	} else {
		pw, created, err := admin.LoadOrCreatePassword(b.cfg.StateDir)
		if err != nil {
			return err
		}
		d.User, d.Password = "admin", pw
		if created {
			console := b.cfg.Console
			if console == nil {
				console = os.Stderr
			}
			fmt.Fprintf(console, "tcpbox: admin user %q, password %s (shown once; kept in %s)\n", d.User, pw, admin.PasswordFile)
		}
	}
	if h := b.store.Get().Admin.PasswordHash; h != "" {
		user := d.User
		d.CheckPassword = func(u, p string) bool { return u == user && config.CheckPassword(h, p) }
	}
	return nil
}

// counterPeriod is how often the admin page's counters are read for the
// overview's rates (admin.Handler.SampleCounters).
const counterPeriod = time.Second

// sampleCounters reads the counters for the overview's rates every
// period until ctx ends.
func sampleCounters(ctx context.Context, h *admin.Handler, period time.Duration) {
	t := time.NewTicker(period)
	defer t.Stop()
	h.SampleCounters()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			h.SampleCounters()
		}
	}
}

// effective is the configuration the current instance runs: the file's
// with the command line's overrides.
func (b *box) effective() config.Config {
	if in := b.cur.Load(); in != nil {
		return config.Clone(&in.eff)
	}
	return b.cfg.overlay(b.store.Get())
}

// connections lists the current stack's TCP connections. The instance is
// nil only until the first one starts (the page on tcpbox's own address
// may answer a moment before Run records it).
func (b *box) connections() []tcp.Info {
	in := b.cur.Load()
	if in == nil {
		return nil
	}
	return in.st.TCPConnections()
}

// counters are the stack's, the link's and the drops by reason.
func (b *box) counters() []admin.Counter {
	in := b.cur.Load()
	if in == nil {
		return nil
	}
	st := in.st.Stats()
	c := traffic("link", st.Link.RxFrames, st.Link.RxBytes, st.Link.TxFrames, st.Link.TxBytes)
	c = append(c, []admin.Counter{
		{Layer: "link", Name: "rx_dropped", Value: st.Link.RxDropped, Drop: true, Help: "frames lost before the stack saw them (kernel ring)"},
		{Layer: "link", Name: "tx_dropped", Value: st.Link.TxDropped, Drop: true, Help: "frames the link could not send"},
		{Layer: "link", Name: "rx_errors", Value: st.Link.RxErrors},
		{Layer: "link", Name: "tx_errors", Value: st.Link.TxErrors},
		{Layer: "link", Name: "rx_busy_polled", Value: st.Link.RxBusyPolled, Help: "receive batches found by busy polling (link.busy_poll) instead of after a wake-up"},
		{Layer: "link", Name: "rx_wait_batches", Value: st.Link.RxWaitBatches, Help: "receive batches whose oldest frame's wait in the ring was measured"},
		{Layer: "link", Name: "rx_wait_us", Value: st.Link.RxWaitMicros, Help: "sum of those waits in microseconds (divided by rx_wait_batches: the mean); a stack that keeps up reads frames within microseconds"},
		{Layer: "link", Name: "rx_wait_over_100us", Value: st.Link.RxWaitOver100us, Help: "receive batches whose oldest frame waited over 100 us in the ring: tcpbox was busy or not scheduled"},
		{Layer: "link", Name: "rx_wait_over_1ms", Value: st.Link.RxWaitOver1ms, Help: "receive batches whose oldest frame waited over 1 ms in the ring"},
	}...)
	c = append(c, traffic("stack", st.RxFrames, st.RxBytes, st.TxFrames, st.TxBytes)...)
	c = append(c, []admin.Counter{
		{Layer: "arp", Name: "in", Value: st.ARPIn},
		{Layer: "arp", Name: "requests_out", Value: st.ARPRequests},
		{Layer: "arp", Name: "replies_out", Value: st.ARPReplies},
		{Layer: "arp", Name: "conflicts", Value: st.ARPConflicts, Help: "another host claimed our address (RFC 5227)"},
		{Layer: "ip", Name: "fragments_in", Value: st.FragmentsIn},
		{Layer: "ip", Name: "reassembled", Value: st.Reassembled},
		{Layer: "ip", Name: "fragments_out", Value: st.FragmentsOut},
		{Layer: "icmp", Name: "in", Value: st.ICMPIn},
		{Layer: "icmp", Name: "echo_replies", Value: st.EchoReplies},
		{Layer: "icmp", Name: "errors_out", Value: st.ICMPErrors},
		{Layer: "tcp", Name: "rx_lent", Value: st.RxLent, Help: "received payloads read where they arrived, in the link's frame, instead of copied into the receive buffer first"},
		{Layer: "tcp", Name: "rx_coalesced", Value: st.RxCoalesced, Help: "received segments joined to the one before them before TCP processing (GRO)"},
		{Layer: "stack", Name: "tx_handoffs", Value: st.TxHandoffs, Help: "batches of bare ACKs left to the transmit goroutine while more frames waited to be read or it polled for work"},
		{Layer: "stack", Name: "tx_busy_polled", Value: st.TxBusyPolled, Help: "batches the transmit goroutine found by busy polling (link.busy_poll) instead of after a wake-up"},
		{Layer: "udp", Name: "in", Value: st.UDPIn},
		{Layer: "udp", Name: "out", Value: st.UDPOut},
		{Layer: "dhcp", Name: "in", Value: st.DHCPIn},
	}...)
	conns := in.st.TCPConnections()
	states := map[string]uint64{}
	var retrans uint64
	for _, in := range conns {
		states[in.State.String()]++
		retrans += in.TotalRetrans
	}
	c = append(c, admin.Counter{Layer: "tcp", Name: "connections", Value: uint64(len(conns))},
		admin.Counter{Layer: "tcp", Name: "retransmissions_open_conns", Value: retrans, Help: "retransmitted segments of the connections open now"})
	names := make([]string, 0, len(states))
	for s := range states {
		names = append(names, s)
	}
	sort.Strings(names)
	for _, s := range names {
		c = append(c, admin.Counter{Layer: "tcp", Name: "state_" + s, Value: states[s]})
	}
	for r := stack.DropReason(1); r < stack.NumDropReasons; r++ {
		c = append(c, admin.Counter{Layer: r.Layer(), Name: r.String(), Value: st.Drops[r], Drop: true})
	}
	return c
}

// traffic is the frame and byte counts in each direction that the link
// and the stack both keep, under the same names.
func traffic(layer string, rxFrames, rxBytes, txFrames, txBytes uint64) []admin.Counter {
	return []admin.Counter{
		{Layer: layer, Name: "rx_frames", Value: rxFrames},
		{Layer: layer, Name: "rx_bytes", Value: rxBytes},
		{Layer: layer, Name: "tx_frames", Value: txFrames},
		{Layer: layer, Name: "tx_bytes", Value: txBytes},
	}
}

// linkInfo describes the current link and address.
func (b *box) linkInfo() admin.LinkInfo {
	in := b.cur.Load()
	if in == nil {
		return admin.LinkInfo{Started: b.started}
	}
	mac := in.st.MAC()
	li := admin.LinkInfo{
		Name: in.iface, Mode: in.mode, MAC: net.HardwareAddr(mac[:]).String(), MTU: in.st.MTU(),
		Up: true, Started: b.started,
	}
	if pf, gw := in.st.Addr(); pf.IsValid() {
		li.Addresses = []string{pf.String()}
		if gw.IsValid() {
			li.Gateway = gw.String()
		}
	}
	if _, lease, ok := in.st.DHCPLease(); ok {
		// Lease times are on the stack's clock: convert to wall time.
		now, wall := in.st.Now(), time.Now()
		obtained := wall.Add(lease.Acquired - now)
		li.DHCP = &admin.Lease{Server: lease.Server.String(), Address: lease.Addr.String(),
			Obtained: obtained, Expires: obtained.Add(lease.Duration)}
	}
	return li
}

// serviceInfo lists every configured service with its counters.
func (b *box) serviceInfo() []admin.ServiceInfo {
	in := b.cur.Load()
	if in == nil {
		return nil
	}
	ss := in.svcs
	ss.mu.Lock()
	defer ss.mu.Unlock()
	var out []admin.ServiceInfo
	smap := ss.cfg.ServiceMap()
	for _, n := range serviceNames {
		s := smap[n]
		si := admin.ServiceInfo{Name: n, Port: s.Port, Enabled: s.Enabled, Profile: s.Profile}
		if p, err := profileOf(&ss.cfg, s.Profile); err == nil {
			si.Congestion = p.Congestion
		}
		var live []*svc.Stats
		if r := ss.run[n]; r != nil {
			si.Proto, si.Listening = r.proto, true
			live = r.stats
		}
		snaps := ss.counters.total(n, live)
		for i, snap := range snaps {
			si.Active += int(snap.Active)
			pre := ""
			if len(snaps) > 1 {
				pre = []string{"tcp_", "udp_"}[min(i, 1)]
			}
			si.Counters = append(si.Counters,
				admin.Value{Name: pre + "connections", Value: snap.Connections},
				admin.Value{Name: pre + "rejected", Value: snap.Rejected},
				admin.Value{Name: pre + "bytes_in", Value: snap.BytesIn},
				admin.Value{Name: pre + "bytes_out", Value: snap.BytesOut})
			reasons := make([]string, 0, len(snap.Errors))
			for k := range snap.Errors {
				reasons = append(reasons, k)
			}
			sort.Strings(reasons)
			for _, k := range reasons {
				si.Counters = append(si.Counters, admin.Value{Name: pre + "errors_" + k, Value: snap.Errors[k]})
			}
		}
		out = append(out, si)
	}
	return out
}
