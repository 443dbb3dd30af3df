// Command run boots a tcpbox appliance image under QEMU and prints where
// its services are reachable from the host (make run, make run-arm64):
//
//	go run ./hack/qemu/run -target amd64 -image bin/tcpbox-amd64.img
//
// amd64 boots through OVMF and the image's systemd-boot; arm64 boots on
// -M virt through AAVMF and the image's systemd-boot when this host has
// the loader the image builder takes (hack/fetch-efi-arm64.sh), else with
// -kernel. -kernel takes the kernel and command line from the gokrazy
// kernel module as the image builder writes them. The console is the terminal; Ctrl-C stops QEMU.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/tcpbox/tcpbox/hack/qemu"
	"github.com/tcpbox/tcpbox/image/build"
)

func parseForwards(s string) ([]qemu.Forward, error) {
	var out []qemu.Forward
	for _, f := range strings.Fields(strings.ReplaceAll(s, ",", " ")) {
		// proto:host:guest
		p := strings.Split(f, ":")
		if len(p) != 3 || (p[0] != "tcp" && p[0] != "udp") {
			return nil, fmt.Errorf("bad forward %q (want tcp|udp:HOSTPORT:GUESTPORT)", f)
		}
		h, err1 := strconv.Atoi(p[1])
		g, err2 := strconv.Atoi(p[2])
		if err1 != nil || err2 != nil || h <= 0 || h > 65535 || g <= 0 || g > 65535 {
			return nil, fmt.Errorf("bad forward %q", f)
		}
		out = append(out, qemu.Forward{Proto: p[0], HostPort: h, GuestPort: g})
	}
	return out, nil
}

// Default forwards: tcpbox's admin page on 8080 as the issue asks, gokrazy's
// page beside it on 8081, and every service of tcpbox's default
// configuration on a local port.
const (
	defaultMgmt = "tcp:8080:8080,tcp:8081:80"
	defaultTest = "tcp:10007:7,udp:10007:7,tcp:10009:9,udp:10009:9,tcp:10019:19,udp:10019:19,tcp:15000:50000,tcp:15001:50001,tcp:10080:80,tcp:15201:5201,udp:15201:5201"
)

func main() {
	var (
		target  = flag.String("target", "amd64", "amd64 or arm64")
		image   = flag.String("image", "", "disk image (default bin/tcpbox-TARGET.img)")
		host    = flag.String("hostname", "tcpbox", "hostname the image was built with (for the -kernel command line)")
		kernel  = flag.Bool("kernel", false, "boot with -kernel instead of UEFI (arm64: the default when "+build.SystemdBootAA64+" is missing, as images built here then lack it)")
		cpus    = flag.Int("smp", 1, "virtual CPUs")
		mgmt    = flag.String("mgmt", defaultMgmt, "management forwards proto:hostport:guestport,... (tcpbox's admin page is on 8080, gokrazy's web interface on 80)")
		test    = flag.String("test", defaultTest, "test NIC (tcpbox) forwards proto:hostport:guestport,...")
		timeout = flag.Duration("ready-timeout", 5*time.Minute, "how long to wait for tcpbox: ready before saying so")
	)
	flag.Parse()
	if *image == "" {
		*image = "bin/tcpbox-" + *target + ".img"
	}
	mf, err := parseForwards(*mgmt)
	if err != nil {
		fail(err)
	}
	tf, err := parseForwards(*test)
	if err != nil {
		fail(err)
	}
	o := qemu.Options{Target: *target, Image: *image, CPUs: *cpus, MgmtForwards: mf, TestForwards: tf, Serial: os.Stdout}
	if *target == "arm64" && !*kernel {
		if _, err := os.Stat(build.SystemdBootAA64); err != nil {
			fmt.Fprintf(os.Stderr, "run: %v: booting with -kernel\n", err)
			*kernel = true
		}
	}
	if *kernel {
		k, line, err := build.KernelBoot(&build.Config{Target: *target, Hostname: *host})
		if err != nil {
			fail(err)
		}
		o.Kernel, o.Append = k, line
	}
	vm, err := qemu.Start(o)
	if err != nil {
		fail(err)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() { <-sig; vm.Stop() }()

	fmt.Fprintf(os.Stderr, "run: booting %s (%s); Ctrl-C stops QEMU\n", *image, *target)
	for _, f := range mf {
		fmt.Fprintf(os.Stderr, "run: management %s: %s\n", qemu.MgmtGuest, describe(f, mgmtNames))
	}
	for _, f := range tf {
		fmt.Fprintf(os.Stderr, "run: tcpbox %s: %s\n", qemu.TestGuest, describe(f, serviceNames))
	}
	go func() { // reports readiness; ends with the VM
		line, err := vm.WaitFor(context.Background(), 0, regexp.MustCompile(`^tcpbox: ready`), *timeout)
		if err == nil {
			fmt.Fprintf(os.Stderr, "run: %s after %.1f s\n", line, time.Since(vm.Started).Seconds())
		}
	}()
	<-vm.Done()
}

// What listens on the guest's ports in the image's default configuration
// (config.Defaults and the image's gokrazy settings), for the forwards
// printed at start.
var (
	mgmtNames = map[string]string{
		"tcp/8080": "tcpbox admin page, user gokrazy with the image's password",
		"tcp/80":   "gokrazy web interface, user gokrazy",
	}
	serviceNames = map[string]string{
		"tcp/7":     "TCP echo",
		"udp/7":     "UDP echo",
		"tcp/9":     "discard",
		"udp/9":     "discard",
		"tcp/19":    "chargen",
		"udp/19":    "chargen",
		"tcp/80":    "HTTP file transfer",
		"tcp/50000": "framed echo",
		"tcp/50001": "framed file protocol (tcpbox put/get/ls)",
		"tcp/5201":  "iperf3",
		"udp/5201":  "iperf3 UDP",
	}
)

// describe says where a forward leads: the local URL for HTTP, the
// service's name when the port is a known one.
func describe(f qemu.Forward, names map[string]string) string {
	s := f.String()
	name := names[fmt.Sprintf("%s/%d", f.Proto, f.GuestPort)]
	if name == "" {
		return s
	}
	if f.Proto == "tcp" && (f.GuestPort == 80 || f.GuestPort == 8080) {
		return fmt.Sprintf("%s: %s at http://127.0.0.1:%d/", s, name, f.HostPort)
	}
	return s + ": " + name
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "run:", err)
	os.Exit(1)
}
