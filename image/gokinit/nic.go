package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/vishvananda/netlink"
)

// prepareNIC readies tcpbox's interface (the value of its -iface flag)
// before tcpbox starts: in a gokrazy image nothing else configures a second
// NIC, and an AF_PACKET socket on a down link sees no frames. It turns IPv6
// off there first (so no autoconfiguration starts when the link comes up)
// and brings the link up. tcpbox's own NIC setup (appliance.SetupNIC) does
// this and more; doing the minimum here keeps the image working whatever
// tcpbox's flags select.
func prepareNIC(args []string) error {
	iface := flagValue(args, "iface")
	if iface == "" {
		return nil
	}
	if err := os.WriteFile("/proc/sys/net/ipv6/conf/"+iface+"/disable_ipv6", []byte("1"), 0); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("prepare %s: %w", iface, err)
	}
	link, err := netlink.LinkByName(iface)
	if err != nil {
		return fmt.Errorf("prepare %s: %w", iface, err)
	}
	if err := netlink.LinkSetUp(link); err != nil {
		return fmt.Errorf("prepare %s: up: %w", iface, err)
	}
	return nil
}

// flagValue finds -name VALUE, --name VALUE or -name=VALUE in args.
func flagValue(args []string, name string) string {
	for i, a := range args {
		a = strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-")
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v
		}
		if a == name && i+1 < len(args) && strings.HasPrefix(args[i], "-") {
			return args[i+1]
		}
	}
	return ""
}
