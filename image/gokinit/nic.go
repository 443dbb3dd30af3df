package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/tcpbox/tcpbox/appliance/nicsetup"
)

// NICFile names tcpbox's interface for init to prepare, one line:
//
//	dedicated IFACE           tcpbox owns IFACE (eth1 on a PC or QEMU)
//	macvlan PARENT CHILD      tcpbox gets CHILD, a macvlan of PARENT (a Pi)
//
// In an image nothing else configures tcpbox's NIC before it starts (a
// second NIC stays down, and a macvlan child does not exist yet), so the
// console wrapper runs nicsetup before starting tcpbox, on every start.
const NICFile = "/etc/tcpbox/nic.txt"

func parseNIC(b []byte) (nicsetup.Config, error) {
	var line string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			if line != "" {
				return nicsetup.Config{}, fmt.Errorf("nic: more than one line")
			}
			line = l
		}
	}
	f := strings.Fields(line)
	switch {
	case len(f) == 2 && f[0] == "dedicated":
		return nicsetup.Config{Mode: nicsetup.Dedicated, Parent: f[1]}, nil
	case len(f) == 3 && f[0] == "macvlan":
		return nicsetup.Config{Mode: nicsetup.Macvlan, Parent: f[1], Child: f[2]}, nil
	}
	return nicsetup.Config{}, fmt.Errorf("nic: %q: want \"dedicated IFACE\" or \"macvlan PARENT CHILD\"", line)
}

// prepareNIC sets up the interface NICFile names; without the file it
// does nothing.
func prepareNIC() error {
	b, err := os.ReadFile(NICFile)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	cfg, err := parseNIC(b)
	if err != nil {
		return err
	}
	nic, err := nicsetup.Setup(cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "tcpbox-console: %s NIC %s ready (MAC %x, MTU %d)\n", cfg.Mode, nic.Name, nic.MAC, nic.MTU)
	return nil
}
