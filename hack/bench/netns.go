package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os/exec"
	"strings"
)

// run runs a command and returns its output, or an error carrying it.
func run(name string, args ...string) (string, error) {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

func must(name string, args ...string) string {
	out, err := run(name, args...)
	if err != nil {
		fatalf("%v", err)
	}
	return out
}

// testbed is the benchmark's two namespaces: the kernel client in cli
// (198.18.0.1/24) and the server under test in srv, joined by one veth of
// MTU 1500.
type testbed struct {
	cli, srv string
	srvMAC   string
}

const (
	cliAddr = "198.18.0.1"
	srvAddr = "198.18.0.2"
	prefix  = "/24"
)

func newTestbed() *testbed {
	var b [3]byte
	rand.Read(b[:])
	tag := hex.EncodeToString(b[:])
	tb := &testbed{cli: "tbbc" + tag, srv: "tbbs" + tag}
	must("ip", "netns", "add", tb.cli)
	must("ip", "netns", "add", tb.srv)
	must("ip", "link", "add", "tbb0"+tag, "type", "veth", "peer", "name", "tbb1"+tag)
	must("ip", "link", "set", "tbb0"+tag, "netns", tb.cli, "name", "veth0")
	must("ip", "link", "set", "tbb1"+tag, "netns", tb.srv, "name", "veth0")
	for _, ns := range []string{tb.cli, tb.srv} {
		tb.in(ns, "ip", "link", "set", "lo", "up")
		tb.in(ns, "ip", "link", "set", "veth0", "mtu", "1500", "up")
		tb.in(ns, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1")
	}
	tb.in(tb.cli, "ip", "addr", "add", cliAddr+prefix, "dev", "veth0")
	// The kernel client opens tens of thousands of connections in the
	// connection-rate and idle-memory runs.
	tb.in(tb.cli, "sysctl", "-q", "-w", "net.ipv4.ip_local_port_range=1024 65000")
	tb.in(tb.cli, "sysctl", "-q", "-w", "net.ipv4.tcp_tw_reuse=1")
	tb.in(tb.srv, "sysctl", "-q", "-w", "net.core.somaxconn=65535")
	tb.in(tb.srv, "sysctl", "-q", "-w", "net.ipv4.tcp_max_syn_backlog=65535")
	tb.srvMAC = strings.TrimSpace(tb.in(tb.srv, "cat", "/sys/class/net/veth0/address"))
	return tb
}

func (tb *testbed) in(ns string, args ...string) string {
	return must("ip", append([]string{"netns", "exec", ns}, args...)...)
}

func (tb *testbed) close() {
	run("ip", "netns", "del", tb.cli)
	run("ip", "netns", "del", tb.srv)
}

// offloads turns checksum and segmentation offloads on or off on both ends.
func (tb *testbed) offloads(on bool) {
	v := "off"
	if on {
		v = "on"
	}
	for _, ns := range []string{tb.cli, tb.srv} {
		// Not every feature can be switched on every kernel; ethtool
		// exits non-zero then, which is fine as long as the rest took.
		run("ip", "netns", "exec", ns, "ethtool", "-K", "veth0", "rx", v, "tx", v, "tso", v, "gso", v, "gro", v)
	}
}

// kernelAddress gives or takes the server namespace's kernel address: the
// kernel server needs it, tcpbox and gVisor must not have it.
func (tb *testbed) kernelAddress(on bool) {
	if on {
		tb.in(tb.srv, "ip", "addr", "add", srvAddr+prefix, "dev", "veth0")
	} else {
		run("ip", "netns", "exec", tb.srv, "ip", "addr", "flush", "dev", "veth0")
	}
	run("ip", "netns", "exec", tb.cli, "ip", "neigh", "flush", "dev", "veth0")
}
