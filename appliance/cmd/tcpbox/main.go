// Command tcpbox runs tcpbox's userspace TCP/IP stack on one network
// interface and serves the test services on it:
//
//	tcpbox -iface eth0 -addr 198.18.0.2/24 [-gw 198.18.0.1]
//	tcpbox -iface eth0 -dhcp
//
// It prints "tcpbox: ready <addr> on <iface>" once it answers, logs one
// line per state change to stderr, and exits 0 on SIGINT or SIGTERM.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"syscall"

	"github.com/tcpbox/tcpbox/appliance"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "tcpbox:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("tcpbox", flag.ContinueOnError)
	iface := fs.String("iface", "", "network interface to take over (required)")
	addr := fs.String("addr", "", "static address and prefix, e.g. 198.18.0.2/24")
	gw := fs.String("gw", "", "default gateway (with -addr)")
	dhcp := fs.Bool("dhcp", false, "get the address from DHCP (tcpbox's own client)")
	mac := fs.String("mac", "", "the stack's MAC address (default: the interface's)")
	state := fs.String("state", "/perm/tcpbox", "directory for what tcpbox keeps")
	pcapFile := fs.String("pcap", "", "write every frame to this pcap file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	cfg := appliance.Config{Iface: *iface, DHCP: *dhcp, StateDir: *state, PcapFile: *pcapFile, Ready: os.Stdout}
	var err error
	if *addr != "" {
		if cfg.Addr, err = netip.ParsePrefix(*addr); err != nil {
			return fmt.Errorf("-addr: %w", err)
		}
	}
	if *gw != "" {
		if cfg.Gateway, err = netip.ParseAddr(*gw); err != nil {
			return fmt.Errorf("-gw: %w", err)
		}
	}
	if *mac != "" {
		hw, err := net.ParseMAC(*mac)
		if err != nil || len(hw) != 6 {
			return fmt.Errorf("-mac: %q is not an Ethernet address", *mac)
		}
		cfg.MAC = [6]byte(hw)
	}
	cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return appliance.Run(ctx, cfg)
}
