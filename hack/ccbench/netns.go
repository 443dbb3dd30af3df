package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os/exec"
	"runtime"
	"strings"

	"golang.org/x/sys/unix"
)

// netns is a network namespace this command made; del removes it and the
// veths inside. (hack/testbed does the same for tests but needs a
// testing.TB.)
type netns struct{ name string }

func newNetns(tag string) (*netns, error) {
	var b [3]byte
	rand.Read(b[:])
	ns := &netns{name: "ccb" + tag + hex.EncodeToString(b[:])}
	if _, err := run("ip", "netns", "add", ns.name); err != nil {
		return nil, err
	}
	if _, err := ns.run("ip", "link", "set", "lo", "up"); err != nil {
		ns.del()
		return nil, err
	}
	return ns, nil
}

func (ns *netns) del() { run("ip", "netns", "del", ns.name) }

// run runs a command inside the namespace.
func (ns *netns) run(name string, args ...string) (string, error) {
	return run("ip", append([]string{"netns", "exec", ns.name, name}, args...)...)
}

// do runs fn on an OS thread moved into the namespace, so sockets fn
// opens belong to it (a socket keeps its namespace afterwards).
func (ns *netns) do(fn func() error) error {
	runtime.LockOSThread()
	home, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("netns: %w", err)
	}
	defer unix.Close(home)
	there, err := unix.Open("/var/run/netns/"+ns.name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("netns %s: %w", ns.name, err)
	}
	defer unix.Close(there)
	if err := unix.Setns(there, unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("setns %s: %w", ns.name, err)
	}
	ferr := fn()
	if err := unix.Setns(home, unix.CLONE_NEWNET); err != nil {
		// Leave the thread locked: the runtime then retires it rather
		// than reuse a thread in the wrong namespace.
		return fmt.Errorf("setns back: %w", err)
	}
	runtime.UnlockOSThread()
	return ferr
}

// veth joins a (interface ifa) and b (interface ifb), both up, offloads
// off so every frame is one segment and impairment hits segments alone.
func veth(a *netns, ifa string, b *netns, ifb string) error {
	var r [3]byte
	rand.Read(r[:])
	ta, tb := "ccba"+hex.EncodeToString(r[:]), "ccbb"+hex.EncodeToString(r[:])
	steps := [][]string{
		{"ip", "link", "add", ta, "mtu", "1500", "type", "veth", "peer", "name", tb, "mtu", "1500"},
		{"ip", "link", "set", ta, "netns", a.name, "name", ifa},
		{"ip", "link", "set", tb, "netns", b.name, "name", ifb},
	}
	for _, s := range steps {
		if _, err := run(s[0], s[1:]...); err != nil {
			return err
		}
	}
	for _, e := range []struct {
		ns *netns
		i  string
	}{{a, ifa}, {b, ifb}} {
		if _, err := e.ns.run("ip", "link", "set", e.i, "up"); err != nil {
			return err
		}
		// Not every feature switches on every kernel; ethtool then exits
		// non-zero with the rest applied.
		e.ns.run("ethtool", "-K", e.i, "rx", "off", "tx", "off", "tso", "off", "gso", "off", "gro", "off")
	}
	return nil
}

// quiet keeps a namespace's kernel off an interface: no IPv6, no ARP
// answers, no address.
func (ns *netns) quiet(ifname string) error {
	for _, kv := range []string{"net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf." + ifname + ".disable_ipv6=1",
		"net.ipv4.conf." + ifname + ".arp_ignore=8"} {
		if _, err := ns.run("sysctl", "-q", "-w", kv); err != nil {
			return err
		}
	}
	return nil
}

func run(name string, args ...string) (string, error) {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}
