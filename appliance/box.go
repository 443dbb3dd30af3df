package appliance

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tcpbox/tcpbox/appliance/admin"
	"github.com/tcpbox/tcpbox/appliance/nicsetup"
	"github.com/tcpbox/tcpbox/config"
	"github.com/tcpbox/tcpbox/nic"
	"github.com/tcpbox/tcpbox/nic/pcap"
	"github.com/tcpbox/tcpbox/stack"
)

// box is one running tcpbox: the configuration store, the current
// instance (link, stack, services) and what outlives an instance (the
// admin page's captures and logs, the pcap file).
type box struct {
	cfg      Config
	log      *slog.Logger
	store    *config.Store
	started  time.Time
	ctx      context.Context
	captures *admin.Capturer
	pcapFile *os.File
	user     string
	handler  http.Handler // the admin page, also served on tcpbox's address when configured
	// svcCounters keeps the services' counters across their re-creation.
	svcCounters *serviceCounters

	mu        sync.Mutex // serializes Apply and instance changes
	cur       atomic.Pointer[instance]
	relinkMu  sync.Mutex
	relinkCh  chan struct{} // closed when the instance is replaced
	dhcpMu    sync.Mutex    // guards savedDHCP (the loop and a relink both touch it)
	savedDHCP netip.Addr
}

// instance is a link, the stack on it and the services on the stack.
type instance struct {
	iface     string
	mode      string
	dhcp      bool          // fixed for the instance: a change of address mode re-creates it
	eff       config.Config // the effective configuration it was made with
	nic       *nicsetup.NIC // nil unless SetupNIC made or prepared it
	link      nic.Link
	st        *stack.Stack
	svcs      *services
	admin     *http.Server // the admin page on tcpbox's own address, or nil
	adminDone chan struct{}
}

// relinked returns a channel closed when the instance is next replaced.
func (b *box) relinked() <-chan struct{} {
	b.relinkMu.Lock()
	defer b.relinkMu.Unlock()
	if b.relinkCh == nil {
		b.relinkCh = make(chan struct{})
	}
	return b.relinkCh
}

func (b *box) signalRelink() {
	b.relinkMu.Lock()
	defer b.relinkMu.Unlock()
	if b.relinkCh != nil {
		close(b.relinkCh)
		b.relinkCh = nil
	}
}

// checkEffective reports what makes the effective configuration unusable
// as a whole (the file validated field by field already).
func (b *box) checkEffective(e *config.Config) error {
	var es config.Errors
	if e.Link.Interface == "" {
		es = append(es, &config.FieldError{Path: "link.interface", Msg: "required (or -iface)"})
	}
	if e.Address.Mode == "static" && e.Address.CIDR == "" {
		es = append(es, &config.FieldError{Path: "address.cidr", Msg: "required in static mode (or -addr, -dhcp)"})
	}
	if err := checkProfiles(e, 0); err != nil {
		es = append(es, err.(config.Errors)...)
	}
	if len(es) > 0 {
		return es
	}
	return nil
}

// stackOptions are the stack options of e (config -> stack): the address
// and the transmit goroutine's busy polling, which follows the link's
// (link.busy_poll).
func stackOptions(e *config.Config) (stack.Options, error) {
	o := stack.Options{TxBusyPoll: e.Link.BusyPoll.D()}
	if e.Address.Mode == "dhcp" {
		o.DHCP = true
		return o, nil
	}
	pf, err := netip.ParsePrefix(e.Address.CIDR)
	if err != nil {
		return o, &config.FieldError{Path: "address.cidr", Msg: err.Error()}
	}
	o.Addr = pf
	if e.Address.Gateway != "" {
		if o.Gateway, err = netip.ParseAddr(e.Address.Gateway); err != nil {
			return o, &config.FieldError{Path: "address.gateway", Msg: err.Error()}
		}
	}
	return o, nil
}

func macOf(e *config.Config) ([6]byte, error) {
	if e.Link.MAC == "" {
		return [6]byte{}, nil
	}
	hw, err := net.ParseMAC(e.Link.MAC)
	if err != nil || len(hw) != 6 {
		return [6]byte{}, &config.FieldError{Path: "link.mac", Msg: fmt.Sprintf("%q is not an Ethernet address", e.Link.MAC)}
	}
	return [6]byte(hw), nil
}

// startInstance opens the link, makes the stack and starts the services
// as e says. On error nothing of it is left running.
func (b *box) startInstance(e *config.Config) (_ *instance, err error) {
	in := &instance{iface: e.Link.Interface, mode: e.Link.Mode, dhcp: e.Address.Mode == "dhcp", eff: config.Clone(e)}
	mac, err := macOf(e)
	if err != nil {
		return nil, err
	}
	opts, err := stackOptions(e)
	if err != nil {
		return nil, err
	}
	if b.cfg.SetupNIC {
		mode := nicsetup.Dedicated
		if e.Link.Mode == "macvlan" {
			mode = nicsetup.Macvlan
		}
		if in.nic, err = nicsetup.Setup(nicsetup.Config{Mode: mode, Parent: e.Link.Interface, MTU: e.Link.MTU, MAC: mac}); err != nil {
			return nil, &config.FieldError{Path: "link.interface", Msg: err.Error()}
		}
		in.iface = in.nic.Name
		if in.nic.IngressErr != nil {
			// Not fatal: the kernel only wastes work on tcpbox's frames.
			b.log.Warn("the kernel still routes tcpbox's frames (no ingress drop)", "iface", in.iface, "err", in.nic.IngressErr)
		}
		if mode == nicsetup.Macvlan {
			mac = in.nic.MAC
		}
		defer func() {
			if err != nil {
				in.nic.Close()
			}
		}()
	}
	open := b.cfg.OpenLink
	if open == nil {
		open = OpenAFPacket
	}
	link, err := open(in.iface, mac, e.Link.BusyPoll.D())
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", in.iface, err)
	}
	lmac := link.MAC()
	b.log.Info("link up", "iface", in.iface, "mode", e.Link.Mode, "mac", net.HardwareAddr(lmac[:]).String(), "mtu", link.MTU())
	if b.pcapFile != nil {
		link = pcap.Wrap(link, b.pcapFile, pcap.Options{})
	}
	link = pcap.WrapSink(link, b.captures, nil)
	in.link = link

	opts.MAC = mac
	opts.Logger = b.log
	if opts.DHCP {
		if opts.DHCPPrevious, err = loadDHCPAddr(b.cfg.StateDir); err != nil {
			b.log.Warn("state", "err", err) // start with discovery
		}
		b.dhcpMu.Lock()
		b.savedDHCP = opts.DHCPPrevious
		b.dhcpMu.Unlock()
	}
	if in.st, err = stack.New(link, opts); err != nil {
		link.Close()
		return nil, err
	}
	in.svcs = newServices(b.ctx, b.log, in.st, filepath.Join(b.cfg.StateDir, "files"), b.svcCounters)
	if err := in.svcs.startAll(e); err != nil {
		in.st.Close()
		return nil, err
	}
	if e.Admin.AlsoOnTCPBox && b.handler != nil {
		ln, err := in.st.ListenTCP(netip.AddrPortFrom(netip.IPv4Unspecified(), uint16(e.Admin.Port)), stack.WithName("admin"))
		if err != nil {
			in.svcs.stopAll()
			in.st.Close()
			return nil, &config.FieldError{Path: "admin.port", Msg: fmt.Sprintf("on tcpbox's address: %v", err)}
		}
		in.admin = &http.Server{Handler: b.handler, ReadHeaderTimeout: 10 * time.Second}
		in.adminDone = make(chan struct{})
		go func() {
			defer close(in.adminDone)
			in.admin.Serve(ln) // ends when stop closes the server
		}()
		b.log.Info("admin page on tcpbox's address", "port", e.Admin.Port)
	}
	return in, nil
}

// stop ends the services, the stack and the link (and a macvlan child
// tcpbox made).
func (in *instance) stop() {
	if in.admin != nil {
		in.admin.Close()
		<-in.adminDone
	}
	in.svcs.stopAll()
	in.st.Close()
	if in.nic != nil {
		in.nic.Close()
	}
}

// saveDHCP keeps the leased address in the state directory.
func (b *box) saveDHCP(in *instance, a netip.Addr) {
	b.dhcpMu.Lock()
	defer b.dhcpMu.Unlock()
	if !in.dhcp || a == b.savedDHCP {
		return
	}
	if err := saveDHCPAddr(b.cfg.StateDir, a); err != nil {
		b.log.Warn("state", "err", err)
		return
	}
	b.savedDHCP = a
}

// adminAddr is where the admin page listens on the kernel's side.
func (b *box) adminAddr(e *config.Config) string {
	switch b.cfg.AdminAddr {
	case "off":
		return ""
	case "":
		return net.JoinHostPort(e.Admin.Listen, fmt.Sprint(e.Admin.Port))
	}
	return b.cfg.AdminAddr
}

// summary lists the running services for the ready line, by port.
func (ss *services) summary() string {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	var parts []string
	for _, n := range serviceNames {
		if r := ss.run[n]; r != nil {
			parts = append(parts, fmt.Sprintf("%s %d/%s", n, r.port, r.proto))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}
