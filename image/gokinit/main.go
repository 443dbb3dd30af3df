// Command gokinit is the init (PID 1) of the tcpbox appliance image: it
// boots through gokrazy's public API (gokrazy.Boot) and supervises two
// services, gokrazy's DHCP client on the management NIC and tcpbox with the
// flags the image builder baked into /etc/tcpbox/flags.txt.
//
// The same binary has a second role, chosen by the name it is started
// under: as /gokrazy/tcpbox-console it runs tcpbox as a child, passes its
// output on to gokrazy's log ring and copies tcpbox's lines for people
// ("tcpbox: ready ...", its services, the admin page's URL) to
// /dev/console, so the serial console shows when the box is up (the
// supervisor captures a service's stdout, so tcpbox itself cannot reach
// the console through it).
//
// It is not a general gokrazy init generator: the service list is fixed.
package main

import (
	"os"
	"path/filepath"
)

// Set by the image builder with -ldflags -X.
var buildTimestamp = "unknown"

// Paths inside the root file system, written by the image builder.
const (
	FlagsFile   = "/etc/tcpbox/flags.txt"
	ConsoleName = "tcpbox-console"
	ConsolePath = "/gokrazy/" + ConsoleName
	TcpboxPath  = "/user/tcpbox"
	DHCPPath    = "/gokrazy/dhcp"
)

func main() {
	if filepath.Base(os.Args[0]) == ConsoleName {
		os.Exit(runConsole(os.Args[1:]))
	}
	runInit()
}
