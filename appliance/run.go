// Package appliance is the tcpbox program's wiring: it turns the
// command-line configuration into a link (AF_PACKET, optionally recorded
// to a pcap file), a stack, and the services on it, and runs them until
// its context ends. Logic lives below, in nic, stack and services; this
// package only connects them and reports state changes. It is not where
// protocol or service behaviour is decided, and it reads no flags itself
// (cmd/tcpbox does).
package appliance

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"sync"

	"github.com/tcpbox/tcpbox/nic"
	"github.com/tcpbox/tcpbox/nic/pcap"
	"github.com/tcpbox/tcpbox/stack"
)

// Config is what the program was asked to do.
type Config struct {
	Iface string
	// Addr and Gateway give a static address; DHCP asks a server instead.
	Addr    netip.Prefix
	Gateway netip.Addr
	DHCP    bool
	// MAC is the stack's hardware address; zero means the interface's.
	MAC [6]byte
	// StateDir is where tcpbox keeps state across runs (state.go: the
	// last DHCP address); it is created if missing.
	StateDir string
	// PcapFile, when set, records every frame in both directions.
	PcapFile string
	// Logger gets one line per state change.
	Logger *slog.Logger
	// Ready receives the "tcpbox: ready <addr> on <iface>" line.
	Ready io.Writer
	// OpenLink opens the interface; nil means OpenAFPacket.
	OpenLink func(iface string, mac [6]byte) (nic.Link, error)
}

// Validate reports every problem of c at once.
func (c *Config) Validate() error {
	var errs []error
	if c.Iface == "" {
		errs = append(errs, errors.New("iface: required"))
	}
	if c.DHCP == c.Addr.IsValid() {
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

// Run runs tcpbox until ctx ends, then shuts down in order (services,
// stack, link, capture) and returns nil, or the first error that stopped
// it.
func Run(ctx context.Context, cfg Config) (err error) {
	if err := cfg.Validate(); err != nil {
		return err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(cfg.StateDir, 0o755); err != nil {
		return fmt.Errorf("state dir: %w", err)
	}
	open := cfg.OpenLink
	if open == nil {
		open = OpenAFPacket
	}
	link, err := open(cfg.Iface, cfg.MAC)
	if err != nil {
		return fmt.Errorf("open %s: %w", cfg.Iface, err)
	}
	mac := link.MAC()
	log.Info("link up", "iface", cfg.Iface, "mac", net.HardwareAddr(mac[:]).String(), "mtu", link.MTU())

	var capture *os.File
	if cfg.PcapFile != "" {
		if capture, err = os.Create(filepath.Clean(cfg.PcapFile)); err != nil {
			link.Close()
			return fmt.Errorf("pcap: %w", err)
		}
		link = pcap.Wrap(link, capture, pcap.Options{})
		log.Info("capture", "file", cfg.PcapFile)
		defer func() {
			if cerr := capture.Close(); cerr != nil && err == nil {
				err = fmt.Errorf("pcap: %w", cerr)
			}
		}()
	}

	var prev netip.Addr
	if cfg.DHCP {
		if prev, err = loadDHCPAddr(cfg.StateDir); err != nil {
			log.Warn("state", "err", err) // start with discovery
		}
	}
	st, err := stack.New(link, stack.Options{
		Addr: cfg.Addr, Gateway: cfg.Gateway, DHCP: cfg.DHCP, DHCPPrevious: prev, MAC: cfg.MAC, Logger: log,
	})
	if err != nil {
		link.Close()
		return err
	}
	defer func() {
		log.Info("stopping")
		st.Close()
		log.Info("stopped")
	}()

	echo, err := st.ListenUDP(netip.AddrPortFrom(netip.IPv4Unspecified(), 7))
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	defer echo.Close()
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := ServeUDPEcho(echo); err != nil {
			log.Error("udp echo", "err", err)
		}
	}()
	log.Info("service", "name", "udp-echo", "port", 7)

	// Ready once there is an address to answer on; after that, follow
	// address changes (DHCP) to keep the state directory current.
	ready := false
	saved := prev
	for {
		changed := st.AddrChanged()
		if pf, _ := st.Addr(); pf.IsValid() {
			if !ready && cfg.Ready != nil {
				fmt.Fprintf(cfg.Ready, "tcpbox: ready %v on %s\n", pf.Addr(), cfg.Iface)
			}
			ready = true
			if cfg.DHCP && pf.Addr() != saved {
				if err := saveDHCPAddr(cfg.StateDir, pf.Addr()); err != nil {
					log.Warn("state", "err", err)
				} else {
					saved = pf.Addr()
				}
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-changed:
		}
	}
}
