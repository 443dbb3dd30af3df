// Command tcpbox is the tcpbox appliance program: it runs tcpbox's
// userspace TCP/IP stack on one network interface, serves the test
// services and the admin page, and carries the clients and tools a field
// engineer uses against it:
//
//	tcpbox [serve] [-iface IF] [-addr A/N [-gw G] | -dhcp] [-mac M] [-state DIR] [-pcap FILE] [-admin HOST:PORT|off]
//	tcpbox put [-name NAME] FILE HOST[:PORT]     framed file protocol upload
//	tcpbox get NAME HOST[:PORT]                  framed file protocol download
//	tcpbox ls HOST[:PORT]                        framed file protocol listing
//	tcpbox rr [options] HOST[:PORT]              framed request/response latency
//	tcpbox crr [options] HOST[:PORT]             connect-request-response rate
//	tcpbox bridge -a IF -b IF [impairment]       impairment bridge between two interfaces
//
// serve reads <state>/config.json; its flags override the file for this
// run only. It prints "tcpbox: ready <addr> on <iface>" once it answers,
// then the services' ports and the admin URL, logs to stderr, and exits 0
// on SIGINT or SIGTERM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"syscall"

	"github.com/tcpbox/tcpbox/appliance"
	"github.com/tcpbox/tcpbox/nic/bridge"
	"github.com/tcpbox/tcpbox/services/fileproto"
	"github.com/tcpbox/tcpbox/services/latency"
)

const usage = `usage: tcpbox [command] [flags]

commands:
  serve (default)  run the appliance on an interface (tcpbox serve -h for flags)
  put              upload a file with the framed file protocol (port 50001)
  get              download a file with the framed file protocol
  ls               list the files of a tcpbox
  rr               framed request/response latency (port 50000)
  crr              connect-request-response rate and latency
  bridge           join two interfaces through the impairment bridge

serve flags (each overrides config.json for this run only):
`

func main() {
	os.Exit(dispatch(os.Args[1:], os.Stdout, os.Stderr))
}

func dispatch(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "put":
			return fileproto.PutMain(args[1:], stdout, stderr)
		case "get":
			return fileproto.GetMain(args[1:], stdout, stderr)
		case "ls":
			return fileproto.LsMain(args[1:], stdout, stderr)
		case "rr":
			return latency.RRMain(args[1:], stdout, stderr)
		case "crr":
			return latency.CRRMain(args[1:], stdout, stderr)
		case "bridge":
			return bridgeMain(args[1:], stdout, stderr)
		case "serve":
			args = args[1:]
		case "-h", "-help", "--help", "help":
			fmt.Fprint(stdout, usage)
			serveFlags(stdout, &serveArgs{}).PrintDefaults()
			return 0
		}
	}
	if err := serve(args, stdout, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "tcpbox:", err)
		return 1
	}
	return 0
}

type serveArgs struct {
	iface, addr, gw, mac, state, pcap, admin string
	dhcp, nicSetup                           bool
}

func serveFlags(out io.Writer, a *serveArgs) *flag.FlagSet {
	fs := flag.NewFlagSet("tcpbox serve", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&a.iface, "iface", "", "network interface to take over (default: link.interface of config.json)")
	fs.StringVar(&a.addr, "addr", "", "static address and prefix, e.g. 198.18.0.2/24 (default: config.json's address)")
	fs.StringVar(&a.gw, "gw", "", "default gateway (with -addr)")
	fs.BoolVar(&a.dhcp, "dhcp", false, "get the address from DHCP (tcpbox's own client)")
	fs.StringVar(&a.mac, "mac", "", "the stack's MAC address (default: link.mac, else the interface's)")
	fs.StringVar(&a.state, "state", "/perm/tcpbox", "state directory: config.json, admin-password, files/")
	fs.StringVar(&a.pcap, "pcap", "", "write every frame to this pcap file")
	fs.StringVar(&a.admin, "admin", "", "admin page address on the kernel's stack, host:port or off (default: admin.listen:admin.port, :8080)")
	fs.BoolVar(&a.nicSetup, "nic-setup", true, "prepare the interface (link up, MTU, MAC, macvlan child) before taking it over")
	return fs
}

func serve(args []string, stdout, stderr io.Writer) error {
	var a serveArgs
	fs := serveFlags(stderr, &a)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q (commands: serve put get ls rr crr bridge)", fs.Args())
	}
	cfg := appliance.Config{Iface: a.iface, DHCP: a.dhcp, StateDir: a.state, PcapFile: a.pcap,
		AdminAddr: a.admin, SetupNIC: a.nicSetup, Ready: stdout, Console: stderr}
	var err error
	if a.addr != "" {
		if cfg.Addr, err = netip.ParsePrefix(a.addr); err != nil {
			return fmt.Errorf("-addr: %w", err)
		}
	}
	if a.gw != "" {
		if cfg.Gateway, err = netip.ParseAddr(a.gw); err != nil {
			return fmt.Errorf("-gw: %w", err)
		}
	}
	if a.mac != "" {
		hw, err := net.ParseMAC(a.mac)
		if err != nil || len(hw) != 6 {
			return fmt.Errorf("-mac: %q is not an Ethernet address", a.mac)
		}
		cfg.MAC = [6]byte(hw)
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	cfg.Logger = slog.New(slog.NewTextHandler(stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return appliance.Run(ctx, cfg)
}

// bridgeMain is hack/bridge in this binary: the same flags (nic/bridge's
// ParseArgs), counters printed on exit.
func bridgeMain(args []string, stdout, stderr io.Writer) int {
	c, err := bridge.ParseArgs(args)
	if errors.Is(err, bridge.ErrHelp) {
		fmt.Fprint(stdout, bridge.Usage)
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "%v\n\n%s", err, bridge.Usage)
		return 2
	}
	lg := log.New(stderr, "", log.LstdFlags)
	br, err := bridge.Open(c, lg.Printf)
	if err != nil {
		lg.Print(err)
		return 1
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	select {
	case s := <-sig:
		lg.Printf("bridge: %v, stopping", s)
	case <-br.Done():
		lg.Printf("bridge: a port stopped")
	}
	stats := br.Stats()
	err = br.Close()
	fmt.Fprint(stdout, stats)
	if err != nil {
		lg.Print(err)
		return 1
	}
	return 0
}
