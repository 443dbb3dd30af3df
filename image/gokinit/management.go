package main

import (
	"io"
	"log"
	"net"
	"net/netip"
	"os"
	"strings"
	"time"
)

// gokrazy serves its web UI (and the update endpoints) only on loopback,
// RFC 1918, link-local and 100.64/10 addresses, and on a Unix socket. A
// test lab's management network may use the benchmarking range of RFC 2544
// instead, where gokrazy would not answer; for those addresses only, init
// forwards the HTTP port to gokrazy's Unix socket. gokrazy's basic
// authentication still applies to every request.
var labRange = netip.MustParsePrefix("198.18.0.0/15")

const gokrazySocket = "/run/gokrazy-http.sock"

func httpPort() string {
	b, err := os.ReadFile("/etc/http-port.txt")
	if err != nil {
		return "80"
	}
	if p := strings.TrimSpace(string(b)); p != "" {
		return p
	}
	return "80"
}

// serveManagement runs for the life of init, polling the interface
// addresses and keeping one forwarder per lab address.
func serveManagement() {
	port := httpPort()
	open := map[netip.Addr]net.Listener{}
	for {
		seen := map[netip.Addr]bool{}
		addrs, err := net.InterfaceAddrs()
		if err != nil {
			log.Printf("management: %v", err)
		}
		for _, a := range addrs {
			pfx, err := netip.ParsePrefix(a.String())
			if err != nil || !labRange.Contains(pfx.Addr()) {
				continue
			}
			ip := pfx.Addr()
			seen[ip] = true
			if open[ip] != nil {
				continue
			}
			ln, err := net.Listen("tcp", net.JoinHostPort(ip.String(), port))
			if err != nil {
				log.Printf("management: %v", err)
				continue
			}
			log.Printf("management: forwarding %s to gokrazy's web interface", ln.Addr())
			open[ip] = ln
			go forward(ln)
		}
		for ip, ln := range open {
			if !seen[ip] {
				ln.Close() // ends its forward goroutine
				delete(open, ip)
			}
		}
		time.Sleep(2 * time.Second)
	}
}

func forward(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			u, err := net.DialTimeout("unix", gokrazySocket, 5*time.Second)
			if err != nil {
				log.Printf("management: %v", err)
				return
			}
			defer u.Close()
			done := make(chan struct{})
			go func() {
				io.Copy(u, c)
				u.(*net.UnixConn).CloseWrite()
				close(done)
			}()
			io.Copy(c, u)
			c.(*net.TCPConn).CloseWrite()
			<-done
		}()
	}
}
