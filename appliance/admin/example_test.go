package admin_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"

	"github.com/tcpbox/tcpbox/appliance/admin"
	"github.com/tcpbox/tcpbox/config"
)

// How the appliance wires the admin page (the stack's functions are left
// out here; nil ones show as "not available").
func ExampleNew() {
	state, _ := os.MkdirTemp("", "tcpbox-example-")
	defer os.RemoveAll(state)

	logs := admin.NewLogRing(500, slog.LevelInfo, slog.NewTextHandler(os.Stderr, nil))
	log := slog.New(logs)
	store, warning, err := config.Open(state)
	if err != nil {
		panic(err)
	}
	if warning != "" {
		log.Warn(warning) // and the page shows it on every view
	}
	pw, created, err := admin.LoadOrCreatePassword(state)
	if err != nil {
		panic(err)
	}
	console := io.Discard // os.Stderr on the device
	if created {
		fmt.Fprintln(console, "admin password (shown once):", pw)
	}
	captures := admin.NewCapturer(admin.CapturerOptions{})
	// link = pcap.WrapSink(link, captures, nil)
	h, err := admin.New(admin.Deps{
		User: "admin", Password: pw,
		Config:   store,
		Apply:    func(prev, next config.Config) error { return nil }, // re-create what changed
		Captures: captures,
		Logs:     logs,
		Log:      log,
	})
	if err != nil {
		panic(err)
	}
	_ = &http.Server{Addr: ":8080", Handler: h}
	fmt.Println("ready")
	// Output: ready
}
