package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
)

// ConsolePrefix starts the lines tcpbox prints for people rather than for
// the log: "tcpbox: ready <addr> on <iface>" once it serves, then its
// services' ports and the admin page's URL and user, and "tcpbox: <error>"
// when it stops on an error. Log lines (slog's key=value text) do not
// start with it.
const ConsolePrefix = "tcpbox: "

// runConsole runs argv as a child, copies its output to ours line by line
// and tcpbox's lines for people (ConsolePrefix) also to /dev/console. It forwards the signals the
// supervisor sends and returns the child's exit status (125, "do not
// restart", passes through).
func runConsole(argv []string) int {
	if len(argv) == 0 {
		fmt.Fprintln(os.Stderr, "tcpbox-console: usage: tcpbox-console PROGRAM [ARGS...]")
		return 125
	}
	if err := prepareNIC(); err != nil {
		fmt.Fprintln(os.Stderr, "tcpbox-console:", err)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = os.Environ()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		fmt.Fprintln(os.Stderr, "tcpbox-console:", err)
		return 1
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		fmt.Fprintln(os.Stderr, "tcpbox-console:", err)
		return 1
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "tcpbox-console:", err)
		return 1
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP, syscall.SIGUSR1, syscall.SIGUSR2)
	done := make(chan struct{})
	go func() { // forwards signals until the child has exited
		for {
			select {
			case s := <-sigs:
				cmd.Process.Signal(s)
			case <-done:
				return
			}
		}
	}()
	console := openConsole()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); copyLines(os.Stdout, stdout, console) }()
	go func() { defer wg.Done(); copyLines(os.Stderr, stderr, console) }()
	wg.Wait() // both pipes hit EOF: the child closed them or exited
	err = cmd.Wait()
	close(done)
	signal.Stop(sigs)
	if console != nil {
		console.Close()
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ee.Exited() {
			return ee.ExitCode()
		}
		return 1 // killed by a signal: let the supervisor restart it
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "tcpbox-console:", err)
		return 1
	}
	return 0
}

func openConsole() io.WriteCloser {
	f, err := os.OpenFile("/dev/console", os.O_WRONLY|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil
	}
	return f
}

// copyLines copies r to w line by line; lines that start with ConsolePrefix
// also go to console (when not nil). Lines longer than 64 KiB are split
// rather than buffered without bound.
func copyLines(w io.Writer, r io.Reader, console io.Writer) {
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		line, err := br.ReadSlice('\n')
		if len(line) > 0 {
			w.Write(line)
			if console != nil && strings.HasPrefix(string(line), ConsolePrefix) {
				console.Write(line)
			}
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			return
		}
	}
}
