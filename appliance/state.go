package appliance

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
)

// What tcpbox keeps in its state directory: the address of its last DHCP
// lease (one line of text), so that after a restart it asks to keep it
// (RFC 2131 INIT-REBOOT) instead of discovering afresh.
const dhcpAddrFile = "dhcp-address"

// loadDHCPAddr returns the saved address, or the invalid Addr when there
// is none or it does not parse (then discovery starts as on a first run).
func loadDHCPAddr(dir string) (netip.Addr, error) {
	b, err := os.ReadFile(filepath.Join(dir, dhcpAddrFile))
	if os.IsNotExist(err) {
		return netip.Addr{}, nil
	}
	if err != nil {
		return netip.Addr{}, err
	}
	a, err := netip.ParseAddr(strings.TrimSpace(string(b)))
	if err != nil || !a.Is4() {
		return netip.Addr{}, fmt.Errorf("%s: %q is not an IPv4 address", dhcpAddrFile, strings.TrimSpace(string(b)))
	}
	return a, nil
}

// saveDHCPAddr writes the address atomically: a temporary file in the
// same directory, synced, renamed over the old one, and the directory
// synced, so a power cut leaves the old or the new file, never half.
func saveDHCPAddr(dir string, a netip.Addr) error {
	f, err := os.CreateTemp(dir, dhcpAddrFile+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.WriteString(a.String() + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, dhcpAddrFile))
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
