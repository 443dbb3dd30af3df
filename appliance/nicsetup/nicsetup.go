// Package nicsetup prepares the Linux side of the interface
// tcpbox drives through AF_PACKET, so that the kernel never answers for
// tcpbox's address. Two modes:
//
//   - dedicated: tcpbox owns the whole NIC. The kernel keeps no address on
//     it and IPv6 (with its autoconfiguration, router and neighbour
//     solicitations) is off there; the NIC takes the stack's MAC.
//   - macvlan: the NIC is shared (a Raspberry Pi has one port). The kernel
//     keeps its management address on the parent; tcpbox gets a macvlan
//     child with its own MAC, no kernel address and IPv6 off.
//
// In both, the kernel drops the frames of tcpbox's interface at ingress,
// after tcpbox's packet socket has seen them (ingress.go), so its IP layer
// does no work for them.
//
// It only configures links through netlink and /proc/sys; it does not
// open sockets or know about the stack, so both tcpbox (package appliance)
// and the image's init can use it.
package nicsetup

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"

	"github.com/vishvananda/netlink"
)

// Mode selects how tcpbox gets its interface.
type Mode int

const (
	ModeInvalid Mode = iota
	Dedicated
	Macvlan
)

func (m Mode) String() string {
	switch m {
	case Dedicated:
		return "dedicated"
	case Macvlan:
		return "macvlan"
	}
	return "invalid"
}

// Config describes the interface to prepare.
type Config struct {
	Mode Mode
	// Parent is the physical NIC: the one tcpbox owns (dedicated) or the
	// shared one whose child it gets (macvlan).
	Parent string
	// Child names the macvlan child (default "tcpbox0").
	Child string
	// MTU of tcpbox's interface; 0 leaves it (a macvlan child inherits the
	// parent's).
	MTU int
	// MAC is the stack's own address. Zero keeps the NIC's own address in
	// dedicated mode and derives a stable locally administered address
	// from the parent's in macvlan mode.
	MAC [6]byte
}

// NIC is the prepared interface tcpbox opens with AF_PACKET.
type NIC struct {
	Name  string
	Index int
	MAC   [6]byte
	MTU   int
	// IngressErr is why the kernel could not be kept from routing the
	// interface's frames (DropIngress); nil when it is.
	IngressErr error

	created bool // a macvlan child we made, removed by Close
}

// Setup prepares the interface and returns it. Call it in the network
// namespace the stack runs in (netlink sockets and /proc/sys/net follow
// the calling thread's namespace).
func Setup(s Config) (*NIC, error) {
	if s.Parent == "" {
		return nil, errors.New("nic setup: no interface named")
	}
	h, err := netlink.NewHandle()
	if err != nil {
		return nil, fmt.Errorf("nic setup: netlink: %w", err)
	}
	defer h.Close()
	parent, err := h.LinkByName(s.Parent)
	if err != nil {
		return nil, fmt.Errorf("nic setup: %s: %w", s.Parent, err)
	}
	switch s.Mode {
	case Dedicated:
		return setupDedicated(h, parent, s)
	case Macvlan:
		return setupMacvlan(h, parent, s)
	}
	return nil, fmt.Errorf("nic setup: mode %v", s.Mode)
}

func setupDedicated(h *netlink.Handle, link netlink.Link, s Config) (*NIC, error) {
	name := link.Attrs().Name
	// IPv6 off first, so that taking the link up starts no autoconfiguration
	// (RFC 4862 §5.4 would send DAD and router solicitations at once).
	if err := quietKernel(name); err != nil {
		return nil, err
	}
	if err := flushAddrs(h, link); err != nil {
		return nil, err
	}
	if s.MAC != ([6]byte{}) && !sameMAC(link.Attrs().HardwareAddr, s.MAC) {
		// Some drivers refuse a new address while up.
		if err := h.LinkSetDown(link); err != nil {
			return nil, fmt.Errorf("nic setup: %s down: %w", name, err)
		}
		if err := h.LinkSetHardwareAddr(link, net.HardwareAddr(s.MAC[:])); err != nil {
			return nil, fmt.Errorf("nic setup: %s MAC %s: %w", name, net.HardwareAddr(s.MAC[:]), err)
		}
	}
	if s.MTU != 0 && link.Attrs().MTU != s.MTU {
		if err := h.LinkSetMTU(link, s.MTU); err != nil {
			return nil, fmt.Errorf("nic setup: %s MTU %d: %w", name, s.MTU, err)
		}
	}
	if err := h.LinkSetUp(link); err != nil {
		return nil, fmt.Errorf("nic setup: %s up: %w", name, err)
	}
	n, err := describe(h, name, false)
	if err == nil {
		n.IngressErr = DropIngress(name)
	}
	return n, err
}

func setupMacvlan(h *netlink.Handle, parent netlink.Link, s Config) (*NIC, error) {
	child := s.Child
	if child == "" {
		child = "tcpbox0"
	}
	mac := s.MAC
	if mac == ([6]byte{}) {
		mac = derivedMAC(parent.Attrs().HardwareAddr)
	}
	// The parent must be up for the child to pass traffic; its addresses
	// (the kernel's management address) stay.
	if err := h.LinkSetUp(parent); err != nil {
		return nil, fmt.Errorf("nic setup: %s up: %w", parent.Attrs().Name, err)
	}
	if old, err := h.LinkByName(child); err == nil {
		// A child left over from an earlier run (tcpbox restarted by its
		// supervisor): replace it so its settings are ours.
		if _, ok := old.(*netlink.Macvlan); !ok {
			return nil, fmt.Errorf("nic setup: %s exists and is not a macvlan", child)
		}
		if err := h.LinkDel(old); err != nil {
			return nil, fmt.Errorf("nic setup: remove old %s: %w", child, err)
		}
	}
	attrs := netlink.NewLinkAttrs()
	attrs.Name = child
	attrs.ParentIndex = parent.Attrs().Index
	attrs.HardwareAddr = net.HardwareAddr(mac[:])
	attrs.MTU = s.MTU
	// Bridge mode: the child also reaches other macvlans on the parent.
	mv := &netlink.Macvlan{LinkAttrs: attrs, Mode: netlink.MACVLAN_MODE_BRIDGE}
	if err := h.LinkAdd(mv); err != nil {
		return nil, fmt.Errorf("nic setup: add macvlan %s on %s: %w", child, parent.Attrs().Name, err)
	}
	fail := func(err error) (*NIC, error) {
		if l, lerr := h.LinkByName(child); lerr == nil {
			h.LinkDel(l)
		}
		return nil, err
	}
	if err := quietKernel(child); err != nil {
		return fail(err)
	}
	link, err := h.LinkByName(child)
	if err != nil {
		return fail(fmt.Errorf("nic setup: %s: %w", child, err))
	}
	if err := h.LinkSetUp(link); err != nil {
		return fail(fmt.Errorf("nic setup: %s up: %w", child, err))
	}
	n, err := describe(h, child, true)
	if err == nil {
		n.IngressErr = DropIngress(child)
	}
	return n, err
}

// Close removes a macvlan child that Setup created; a dedicated NIC is
// left as it is, except that the kernel routes its frames again.
func (n *NIC) Close() error {
	if !n.created {
		return UndoIngress(n.Name)
	}
	h, err := netlink.NewHandle()
	if err != nil {
		return fmt.Errorf("nic setup: netlink: %w", err)
	}
	defer h.Close()
	l, err := h.LinkByName(n.Name)
	if err != nil {
		return nil // already gone
	}
	return h.LinkDel(l)
}

func describe(h *netlink.Handle, name string, created bool) (*NIC, error) {
	l, err := h.LinkByName(name)
	if err != nil {
		return nil, fmt.Errorf("nic setup: %s: %w", name, err)
	}
	n := &NIC{Name: name, Index: l.Attrs().Index, MTU: l.Attrs().MTU, created: created}
	copy(n.MAC[:], l.Attrs().HardwareAddr)
	return n, nil
}

func flushAddrs(h *netlink.Handle, link netlink.Link) error {
	addrs, err := h.AddrList(link, netlink.FAMILY_ALL)
	if err != nil {
		return fmt.Errorf("nic setup: %s addresses: %w", link.Attrs().Name, err)
	}
	for _, a := range addrs {
		if err := h.AddrDel(link, &a); err != nil {
			return fmt.Errorf("nic setup: %s: remove %s: %w", link.Attrs().Name, a.IPNet, err)
		}
	}
	return nil
}

// quietKernel turns IPv6 off on the interface and makes the kernel ignore
// ARP requests there (arp_ignore 8: never reply), belt and braces beside
// holding no address.
func quietKernel(name string) error {
	for _, s := range []struct{ path, val string }{
		{"/proc/sys/net/ipv6/conf/" + name + "/disable_ipv6", "1"},
		{"/proc/sys/net/ipv4/conf/" + name + "/arp_ignore", "8"},
	} {
		if err := os.WriteFile(s.path, []byte(s.val), 0); err != nil {
			if os.IsNotExist(err) && filepath.Base(filepath.Dir(filepath.Dir(s.path))) == "ipv6" {
				continue // a kernel without IPv6
			}
			return fmt.Errorf("nic setup: %w", err)
		}
	}
	return nil
}

func sameMAC(hw net.HardwareAddr, mac [6]byte) bool {
	return len(hw) == 6 && [6]byte(hw) == mac
}

// derivedMAC makes a stable unicast, locally administered address (IEEE
// 802 §8.2.2: bit 1 of the first octet set, bit 0 clear) from the parent's.
func derivedMAC(parent net.HardwareAddr) [6]byte {
	sum := sha256.Sum256(append([]byte("tcpbox macvlan "), parent...))
	var m [6]byte
	copy(m[:], sum[:6])
	m[0] = m[0]&^0x01 | 0x02
	return m
}
