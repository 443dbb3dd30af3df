// Package build assembles tcpbox appliance disk images from their parts:
// it compiles our gokrazy init, gokrazy's DHCP client and tcpbox for the
// target, reads the kernel, firmware and device trees from the gokrazy
// modules in the module cache, and lays out the boot FAT, the squashfs
// root, the ext4 /perm and the partition table with this repository's own
// writers (image/fat, image/squashfs, image/ext4, image/gpt).
//
// It does not run outside tools besides the Go toolchain, needs no root
// (only to write a block device), and the same inputs give the same bytes.
// It is not a general gokrazy packer: the service list, the partition
// layout and the files are the ones tcpbox needs.
package build

import (
	"errors"
	"fmt"
	"hash/fnv"
	"strings"
	"time"
)

// Partition layout of gokrazy images (512-byte sectors).
const (
	MiB         = 1 << 20
	BootStart   = 8192 // sectors: 4 MiB
	BootSize    = 100 * MiB
	RootSize    = 500 * MiB
	MinPermSize = 64 * MiB
	// MinDiskSize holds the boot and both root partitions, a small /perm
	// and the backup GPT.
	MinDiskSize = BootStart*512 + BootSize + 2*RootSize + MinPermSize + 1*MiB
	// DefaultDiskSize is what `-o FILE` writes unless told otherwise.
	DefaultDiskSize = 2048 * MiB
)

// DefaultTime is the timestamp of every file in an image unless
// Config.Time says otherwise: fixed, so that builds are reproducible.
var DefaultTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Config describes one image.
type Config struct {
	Target   string // "amd64", "arm64" or "pi"
	Hostname string // default "tcpbox"
	Password string // the gokrazy web interface password (user gokrazy)
	HTTPPort int    // gokrazy web interface port, default 80
	NIC      string
	Tcpbox   []string // tcpbox's flags; default the target's (TcpboxFlags)
	// NIC is the line init's console wrapper reads to prepare tcpbox's
	// interface ("dedicated eth1", "macvlan eth0 tcpbox0"); default the
	// target's (DefaultNIC).
	// Serial is the kernel's serial console, e.g. "ttyS0,115200"; empty
	// selects the target's default, "off" none.
	Serial string
	// RepoDir is the root of the tcpbox module (default ".").
	RepoDir string
	// Time stamps every file and file system; zero means DefaultTime.
	Time time.Time
	// PiEEPROM adds the Raspberry Pi 4 EEPROM update files (pieeprom.upd,
	// recovery.bin, vl805): the Pi then flashes its boot EEPROM at boot.
	PiEEPROM bool
	// EFILoader replaces the target's UEFI boot loader (systemd-boot from
	// Debian's systemd-boot-efi; for arm64 SystemdBootAA64).
	EFILoader string
	// RequireEFI fails the build when the target's UEFI loader is missing
	// instead of leaving it out (arm64 then boots with -kernel only).
	RequireEFI bool
	// TcpboxBinary, when set, is a tcpbox already built for the target
	// (static, linux/GOARCH) used instead of compiling ./appliance/cmd/tcpbox.
	TcpboxBinary string
	// Log receives progress lines; nil discards them.
	Log func(format string, args ...any)
}

// TcpboxFlags are tcpbox's default flags per target: on a PC or QEMU it
// owns the second NIC with a static address from the benchmarking range
// (QEMU's test network); on a Pi, with one port, it gets a macvlan child of
// eth0 and asks the LAN's DHCP server for an address. State lives on /perm.
var TcpboxFlags = map[string][]string{
	"amd64": {"-iface", "eth1", "-addr", "198.18.3.15/24", "-state", "/perm/tcpbox"},
	"arm64": {"-iface", "eth1", "-addr", "198.18.3.15/24", "-state", "/perm/tcpbox"},
	"pi":    {"-iface", "tcpbox0", "-dhcp", "-state", "/perm/tcpbox"},
}

// DefaultNIC is how init prepares tcpbox's interface per target.
var DefaultNIC = map[string]string{
	"amd64": "dedicated eth1",
	"arm64": "dedicated eth1",
	"pi":    "macvlan eth0 tcpbox0",
}

func (c *Config) defaults() error {
	if _, ok := targets[c.Target]; !ok {
		return fmt.Errorf("build: unknown target %q (amd64, arm64 or pi)", c.Target)
	}
	if c.Hostname == "" {
		c.Hostname = "tcpbox"
	}
	if strings.ContainsAny(c.Hostname, " /\n\t") || len(c.Hostname) > 63 {
		return fmt.Errorf("build: bad hostname %q", c.Hostname)
	}
	if strings.ContainsAny(c.Password, "\n:") {
		return errors.New("build: the password may not contain a newline or ':'")
	}
	if c.HTTPPort == 0 {
		c.HTTPPort = 80
	}
	if c.Tcpbox == nil {
		c.Tcpbox = TcpboxFlags[c.Target]
	}
	if c.NIC == "" {
		c.NIC = DefaultNIC[c.Target]
	}
	if f := strings.Fields(c.NIC); !(len(f) == 2 && f[0] == "dedicated") && !(len(f) == 3 && f[0] == "macvlan") && c.NIC != "none" {
		return fmt.Errorf("build: NIC %q: want \"dedicated IFACE\", \"macvlan PARENT CHILD\" or \"none\"", c.NIC)
	}
	for _, a := range c.Tcpbox {
		if strings.Contains(a, "\n") {
			return fmt.Errorf("build: tcpbox flag %q contains a newline", a)
		}
	}
	if c.RepoDir == "" {
		c.RepoDir = "."
	}
	if c.Time.IsZero() {
		c.Time = DefaultTime
	}
	if c.Log == nil {
		c.Log = func(string, ...any) {}
	}
	return nil
}

// hostHash is fnv32a(hostname), the seed of gokrazy's disk signature and
// partition GUIDs.
func hostHash(host string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(host))
	return h.Sum32()
}

// PartitionGUID returns the GUID gokrazy gives partition n (0 for the
// disk itself) of the image for host.
func PartitionGUID(host string, n int) string {
	return fmt.Sprintf("60C24CC1-F3F9-427A-8199-%08X00%02X", hostHash(host), n)
}
