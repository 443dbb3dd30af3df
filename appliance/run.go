// Package appliance is the tcpbox program's wiring: it reads the typed
// configuration (config.Open in the state directory), lays the command
// line's overrides over it, turns it into a link (AF_PACKET, optionally
// recorded to a pcap file and tapped by the admin page's captures), a
// stack, the test services with their TCP profiles, and the admin page,
// and runs them until its context ends. The admin page's changes are
// applied live (apply.go).
//
// Logic lives below, in nic, stack, services and config; this package only
// connects them and reports state changes. It is not where protocol or
// service behaviour is decided, and it reads no flags itself (cmd/tcpbox
// does).
package appliance

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/tcpbox/tcpbox/appliance/admin"
	"github.com/tcpbox/tcpbox/config"
	"github.com/tcpbox/tcpbox/nic"
)

// Config is what the command line asked for. Every field set here wins
// over the configuration file for this run (the file is not changed):
// Iface over link.interface, Addr/Gateway or DHCP over the address
// section, MAC over link.mac, AdminAddr over admin.listen and admin.port.
// Zero fields leave the file's values.
type Config struct {
	Iface string
	// Addr and Gateway give a static address; DHCP asks a server instead.
	Addr    netip.Prefix
	Gateway netip.Addr
	DHCP    bool
	// MAC is the stack's hardware address; zero means the file's, else
	// the interface's.
	MAC [6]byte
	// StateDir holds config.json, the admin password, the last DHCP
	// address and the files of the file services; created if missing.
	StateDir string
	// PcapFile, when set, records every frame in both directions.
	PcapFile string
	// AdminAddr is where the admin page listens through the kernel's own
	// stack (host:port); "" takes admin.listen and admin.port from the
	// file; "off" serves no admin page on the kernel's side.
	AdminAddr string
	// SetupNIC prepares the interface with appliance/nicsetup (link up,
	// MTU, MAC; a macvlan child in macvlan mode) before opening it.
	SetupNIC bool
	// Logger gets one line per state change; Run tees it into the admin
	// page's log ring.
	Logger *slog.Logger
	// Ready receives the "tcpbox: ready <addr> on <iface>" line, then
	// one line with the services' ports and one with the admin URL.
	Ready io.Writer
	// Console receives the generated admin password, once, when it is
	// created (nil: os.Stderr). It never goes to the log.
	Console io.Writer
	// OpenLink opens the interface; nil means OpenAFPacket.
	OpenLink func(iface string, mac [6]byte, busyPoll time.Duration) (nic.Link, error)
	// GokrazyRoot prefixes the paths where gokrazy's password is looked
	// for ("" on the device).
	GokrazyRoot string
}

// Validate reports every problem of the command line at once.
func (c *Config) Validate() error {
	var errs []error
	if c.DHCP && c.Addr.IsValid() {
		errs = append(errs, errors.New("addr/dhcp: give exactly one of a static address or DHCP"))
	}
	if c.Addr.IsValid() && !c.Addr.Addr().Is4() {
		errs = append(errs, fmt.Errorf("addr: %v is not IPv4", c.Addr))
	}
	if c.Gateway.IsValid() && (c.DHCP || !c.Addr.Contains(c.Gateway)) {
		errs = append(errs, fmt.Errorf("gw: %v is not on-link in %v", c.Gateway, c.Addr))
	}
	if c.MAC != ([6]byte{}) && c.MAC[0]&1 != 0 {
		errs = append(errs, fmt.Errorf("mac: %x is a multicast address", c.MAC))
	}
	if c.StateDir == "" {
		errs = append(errs, errors.New("state: required"))
	}
	return errors.Join(errs...)
}

// overlay returns the effective configuration: the file's with the
// command line's overrides.
func (c *Config) overlay(f config.Config) config.Config {
	e := config.Clone(&f)
	if c.Iface != "" {
		e.Link.Interface = c.Iface
	}
	if c.MAC != ([6]byte{}) {
		e.Link.MAC = net.HardwareAddr(c.MAC[:]).String()
	}
	switch {
	case c.DHCP:
		e.Address = config.Address{Mode: "dhcp"}
	case c.Addr.IsValid():
		e.Address = config.Address{Mode: "static", CIDR: c.Addr.String()}
		if c.Gateway.IsValid() {
			e.Address.Gateway = c.Gateway.String()
		}
	}
	return e
}

// Run runs tcpbox until ctx ends, then shuts down in order (admin page,
// services, stack, link, capture) and returns nil, or the first error
// that stopped it.
func Run(ctx context.Context, cfg Config) (err error) {
	if err := cfg.Validate(); err != nil {
		return err
	}
	base := cfg.Logger
	if base == nil {
		base = slog.New(slog.DiscardHandler)
	}
	logs := admin.NewLogRing(1000, slog.LevelInfo, base.Handler())
	log := slog.New(logs)
	if err := os.MkdirAll(cfg.StateDir, 0o755); err != nil {
		return fmt.Errorf("state dir: %w", err)
	}
	store, warning, err := config.Open(cfg.StateDir)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if warning != "" {
		log.Warn("config", "warning", warning)
	}
	if len(noEffectYet) > 0 {
		log.Info("config", "file", filepath.Join(cfg.StateDir, config.FileName), "tcp_knobs_without_effect_yet", strings.Join(noEffectYet, ","))
	} else {
		log.Info("config", "file", filepath.Join(cfg.StateDir, config.FileName))
	}
	b := &box{cfg: cfg, log: log, store: store, started: time.Now(), ctx: ctx,
		captures: admin.NewCapturer(admin.CapturerOptions{}), svcCounters: newServiceCounters()}
	eff := cfg.overlay(store.Get())
	if err := b.checkEffective(&eff); err != nil {
		return err
	}
	if cfg.PcapFile != "" {
		if b.pcapFile, err = os.Create(filepath.Clean(cfg.PcapFile)); err != nil {
			return fmt.Errorf("pcap: %w", err)
		}
		log.Info("capture", "file", cfg.PcapFile)
		defer func() {
			if cerr := b.pcapFile.Close(); cerr != nil && err == nil {
				err = fmt.Errorf("pcap: %w", cerr)
			}
		}()
	}
	// The admin page's adapters read the current instance only when a
	// request comes, and requests come once the page listens, below.
	h, err := b.adminHandler(logs)
	if err != nil {
		return err
	}
	b.handler = h
	in, err := b.startInstance(&eff)
	if err != nil {
		return err
	}
	b.cur.Store(in)
	defer func() {
		log.Info("stopping")
		b.mu.Lock()
		b.cur.Load().stop()
		b.mu.Unlock()
		log.Info("stopped")
	}()

	var wg sync.WaitGroup
	defer wg.Wait()
	sctx, stopSampling := context.WithCancel(ctx)
	defer stopSampling()
	wg.Add(1)
	go func() { defer wg.Done(); sampleCounters(sctx, h, counterPeriod) }()
	adminURL := ""
	if addr := b.adminAddr(&eff); addr != "" {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			// The test services matter more than the page: keep serving
			// them and say so loudly.
			log.Error("admin page not served", "addr", addr, "err", err)
			return b.loop(ctx, "")
		}
		adminURL = "http://" + ln.Addr().String() + "/"
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelDebug)}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("admin", "err", err)
			}
		}()
		defer func() {
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if srv.Shutdown(sctx) != nil {
				srv.Close()
			}
		}()
		log.Info("admin page", "url", adminURL, "user", b.user)
	}
	return b.loop(ctx, adminURL)
}

// loop prints the ready lines once there is an address to answer on and
// then follows address changes (DHCP) to keep the state directory current,
// until ctx ends.
func (b *box) loop(ctx context.Context, adminURL string) error {
	ready := false
	for {
		in := b.cur.Load()
		changed := in.st.AddrChanged()
		if pf, _ := in.st.Addr(); pf.IsValid() {
			if !ready && b.cfg.Ready != nil {
				var s strings.Builder
				fmt.Fprintf(&s, "tcpbox: ready %v on %s\n", pf.Addr(), in.iface)
				fmt.Fprintf(&s, "tcpbox: services %s\n", in.svcs.summary())
				if adminURL != "" {
					fmt.Fprintf(&s, "tcpbox: admin %s (user %s)\n", adminURL, b.user)
				}
				io.WriteString(b.cfg.Ready, s.String())
			}
			ready = true
			b.saveDHCP(in, pf.Addr())
		}
		select {
		case <-ctx.Done():
			return nil
		case <-changed:
		case <-b.relinked():
		}
	}
}
