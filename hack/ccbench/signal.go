package main

import (
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// On SIGINT or SIGTERM the namespaces of the kernel bed are deleted
// before exiting, so an interrupted run leaves nothing behind.
var (
	cleanupMu sync.Mutex
	cleanup   func()
)

func setCleanup(f func()) {
	cleanupMu.Lock()
	cleanup = f
	cleanupMu.Unlock()
}

// handleSignals starts the goroutine that owns the signal channel; it
// lives as long as the process.
func handleSignals() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		sig := <-ch
		cleanupMu.Lock()
		if cleanup != nil {
			cleanup()
		}
		fmt.Fprintf(os.Stderr, "ccbench: %v: stopped\n", sig)
		os.Exit(130)
	}()
}
