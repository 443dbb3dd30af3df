// Command image builds tcpbox appliance disk images and updates running
// boxes:
//
//	go run ./image -target amd64|arm64|pi -o FILE|/dev/sdX
//	go run ./image -target amd64 -update http://BOX[:PORT] [-password PW]
//
// A disk image holds gokrazy's layout: a FAT16 boot partition (kernel,
// command line, device trees, firmware, UEFI loader), two squashfs root
// partitions (A and B for updates) and an ext4 /perm. The gokrazy web
// interface password is generated at the first build and kept outside the
// repository (see -state), unless -password gives one. The building is in
// image/build; this file is flags only.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/tcpbox/tcpbox/image/build"
)

func main() {
	var (
		target   = flag.String("target", "amd64", "amd64, arm64 or pi")
		out      = flag.String("o", "", "image file or block device to write")
		size     = flag.Int64("size", build.DefaultDiskSize/build.MiB, "size of an image file in MiB (a block device is used whole)")
		host     = flag.String("hostname", "tcpbox", "hostname of the box")
		password = flag.String("password", "", "gokrazy web interface password (default: generated once, kept in -state)")
		state    = flag.String("state", "", "directory for the generated password (default $XDG_CONFIG_HOME/tcpbox-image)")
		tflags   = flag.String("tcpbox-flags", "", "tcpbox's flags, separated by spaces (default per target: amd64/arm64 \""+strings.Join(build.TcpboxFlags["amd64"], " ")+"\", pi \""+strings.Join(build.TcpboxFlags["pi"], " ")+"\")")
		nic      = flag.String("nic", "", `tcpbox's interface as init prepares it: "dedicated IFACE", "macvlan PARENT CHILD" or "none" (default per target: amd64/arm64 "dedicated eth1", pi "macvlan eth0 tcpbox0")`)
		serial   = flag.String("serial", "", `serial console, e.g. "ttyS0,115200" (default per target; "off" for none)`)
		port     = flag.Int("http-port", 80, "gokrazy web interface port")
		eeprom   = flag.Bool("pi-eeprom", false, "pi: add the boot EEPROM update files (the Pi flashes them at boot)")
		update   = flag.String("update", "", "update the box at this URL (http://BOX[:PORT]) instead of writing an image")
		tbin     = flag.String("tcpbox-bin", "", "use this tcpbox binary (built for the target) instead of compiling ./appliance/cmd/tcpbox")
		efiPath  = flag.String("efi-loader", "", "UEFI boot loader to put in EFI/BOOT (default Debian's systemd-boot; arm64: "+build.SystemdBootAA64+", filled by hack/fetch-efi-arm64.sh)")
		needEFI  = flag.Bool("uefi", false, "fail when the target's UEFI loader is missing (arm64 otherwise leaves it out and boots with QEMU -kernel only)")
		printPW  = flag.Bool("print-password", false, "print the password and exit")
	)
	flag.Parse()
	logf := func(format string, args ...any) { fmt.Fprintf(os.Stderr, "image: "+format+"\n", args...) }
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
	if flag.NArg() > 0 {
		fail(fmt.Errorf("unexpected arguments %q", flag.Args()))
	}
	pw := *password
	if pw == "" {
		dir := *state
		if dir == "" {
			d, err := build.StateDir()
			if err != nil {
				fail(err)
			}
			dir = d
		}
		p, err := build.Password(dir, *host)
		if err != nil {
			fail(err)
		}
		pw = p
	}
	if *printPW {
		fmt.Println(pw)
		return
	}
	var tcpboxFlags []string
	if *tflags != "" {
		tcpboxFlags = strings.Fields(*tflags)
	}
	cfg := &build.Config{
		Target: *target, Hostname: *host, Password: pw, HTTPPort: *port,
		Tcpbox: tcpboxFlags, NIC: *nic, Serial: *serial, PiEEPROM: *eeprom, Log: logf,
		TcpboxBinary: *tbin, EFILoader: *efiPath, RequireEFI: *needEFI,
	}
	switch {
	case *update != "":
		boot, _, err := build.BootFAT(cfg)
		if err != nil {
			fail(err)
		}
		root, err := build.RootSquashfs(cfg)
		if err != nil {
			fail(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
		defer cancel()
		if err := build.Update(ctx, *update, pw, boot, root, logf); err != nil {
			fail(err)
		}
		logf("updated %s; it is rebooting into the new root", *update)
	case *out != "":
		if err := writeImage(*out, *size*build.MiB, cfg); err != nil {
			fail(err)
		}
		logf("wrote %s (tcpbox admin page on :8080 and gokrazy web interface on :80 of the management address: user gokrazy, password %s)", *out, pw)
	default:
		fail(fmt.Errorf("need -o FILE or -update URL"))
	}
}

// writeImage writes a new sparse image file, or a whole block device.
func writeImage(path string, size int64, cfg *build.Config) error {
	if st, err := os.Stat(path); err == nil && st.Mode()&os.ModeDevice != 0 {
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			return err
		}
		defer f.Close()
		devSize, err := f.Seek(0, 2)
		if err != nil {
			return err
		}
		if err := build.Disk(f, devSize, cfg, true); err != nil {
			return err
		}
		return f.Sync()
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	if err := f.Truncate(size); err != nil {
		f.Close()
		return err
	}
	if err := build.Disk(f, size, cfg, false); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
