package stack

import (
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	"github.com/tcpbox/tcpbox/stack/arp"
	"github.com/tcpbox/tcpbox/stack/ip"
)

// Options configure a Stack. The zero value is not usable: set either Addr
// (a static address) or DHCP.
type Options struct {
	// Addr is the stack's address and on-link prefix (198.18.0.2/24).
	Addr netip.Prefix
	// Gateway is the default gateway; invalid for none.
	Gateway netip.Addr
	// DHCP makes the stack acquire its address with its own DHCPv4
	// client (Addr and Gateway must then be unset).
	DHCP bool
	// DHCPClientID is the client identifier option the DHCP client
	// sends; nil derives one from the MAC (see stack/dhcp).
	DHCPClientID []byte
	// DHCPPrevious is the address of the last lease, if the caller kept
	// it: the client first asks to keep it (INIT-REBOOT).
	DHCPPrevious netip.Addr
	// Hostname is sent in DHCP requests (option 12) when set.
	Hostname string
	// MAC overrides the link's own hardware address when nonzero.
	MAC [6]byte
	// ARP tunes the neighbour cache.
	ARP arp.Config
	// Reassembly bounds IPv4 fragment reassembly (memory, time).
	Reassembly ip.ReassemblyConfig
	// ICMPErrorRate and ICMPErrorBurst limit ICMP errors (per second,
	// burst); defaults 100 and 50.
	ICMPErrorRate, ICMPErrorBurst int
	// UDPQueueLen is the receive queue of each UDP socket, in datagrams
	// (default 256).
	UDPQueueLen int
	// Clock is the stack's clock; nil for the real monotonic clock. Tests
	// pass a *ManualClock.
	Clock Clock
	// Logger receives one line per state change (address, DHCP); nil
	// discards.
	Logger *slog.Logger
	// CopyReceive keeps no frame of the link: every received payload is
	// copied out of it, even where the link would lend the frame
	// (tcp_lend.go); for comparisons. Segments joined by receive
	// coalescing are still kept in the stack's own buffer (tcp_gro.go).
	CopyReceive bool
	// CopySend copies every payload of a TCP super-segment behind its
	// headers, even on a link that takes frames in pieces (nic.Gatherer,
	// tcp_gso.go); for comparisons.
	CopySend bool
	// NoGRO turns receive coalescing off (tcp_gro.go): every segment
	// reaches TCP on its own; for comparisons.
	NoGRO bool
	// NoSendRun makes TCP emit its data one segment at a time instead of
	// in runs of full segments (tcp.Conn.SetSendRun, tcp_conn.go); for
	// comparisons.
	NoSendRun bool
	// TxBusyPoll is how long the transmit goroutine (txWorker, txq.go)
	// keeps looking for the next batch left to it before it sleeps;
	// while it looks, the receive goroutine leaves it every batch of
	// bare ACKs. 0 (the default) never polls. The appliance sets the
	// link's busy_poll.
	TxBusyPoll time.Duration
}

func (o *Options) validate() error {
	if o.DHCP && (o.Addr.IsValid() || o.Gateway.IsValid()) {
		return fmt.Errorf("stack: DHCP and a static address are exclusive")
	}
	if !o.DHCP && !o.Addr.IsValid() {
		return fmt.Errorf("stack: no address: set Addr or DHCP")
	}
	if o.Addr.IsValid() && !o.Addr.Addr().Is4() {
		return fmt.Errorf("stack: address %v is not IPv4", o.Addr)
	}
	if o.TxBusyPoll < 0 || o.TxBusyPoll > time.Second {
		return fmt.Errorf("stack: TxBusyPoll %v outside 0 to 1s", o.TxBusyPoll)
	}
	if o.Gateway.IsValid() && (!o.Gateway.Is4() || !o.Addr.Contains(o.Gateway)) {
		return fmt.Errorf("stack: gateway %v is not on-link in %v", o.Gateway, o.Addr)
	}
	return nil
}

func (o *Options) defaults() {
	if o.ICMPErrorRate <= 0 {
		o.ICMPErrorRate = 100
	}
	if o.ICMPErrorBurst <= 0 {
		o.ICMPErrorBurst = 50
	}
	if o.UDPQueueLen <= 0 {
		o.UDPQueueLen = 256
	}
	if o.Clock == nil {
		o.Clock = NewRealClock()
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Reassembly.Timeout <= 0 {
		o.Reassembly.Timeout = 30 * time.Second
	}
}
