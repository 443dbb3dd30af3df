// Command server serves the admin page with fake, moving data (package
// admintest) for the browser test and for looking at the page by hand:
//
//	go run ./appliance/admin/e2e/server -addr 127.0.0.1:8080
//
// It prints one JSON line {"url", "user", "password", "state"} when it
// listens, and exits when its standard input closes (so it never outlives
// the test that started it) or on SIGINT/SIGTERM. It is a test helper, not
// the appliance.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/tcpbox/tcpbox/appliance/admin"
	"github.com/tcpbox/tcpbox/appliance/admin/admintest"
	"github.com/tcpbox/tcpbox/config"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	state := flag.String("state", "", "state directory (default: a new temporary directory)")
	waitStdin := flag.Bool("stdin", true, "exit when standard input closes")
	flag.Parse()
	if err := run(*addr, *state, *waitStdin); err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

func run(addr, state string, waitStdin bool) error {
	if state == "" {
		d, err := os.MkdirTemp("", "tcpbox-admin-state-")
		if err != nil {
			return err
		}
		state = d
	}
	store, warn, err := config.Open(state)
	if err != nil {
		return err
	}
	pw, _, err := admin.LoadOrCreatePassword(state)
	if err != nil {
		return err
	}
	fake := admintest.New(store, time.Now)
	if warn != "" {
		fake.Log.Warn(warn)
	}
	h, err := admin.New(fake.Deps("admin", pw))
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	json.NewEncoder(os.Stdout).Encode(map[string]string{
		"url": "http://" + ln.Addr().String(), "user": "admin", "password": pw, "state": state,
	})
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if waitStdin {
		go func() { // ends with the process; it only watches stdin
			io.Copy(io.Discard, os.Stdin)
			stop()
		}()
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
	case err := <-errc:
		return err
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}
