package main

import (
	"bytes"
	"net"
	"runtime/trace"
	"strings"
	"testing"
	"time"
)

// bench wakes finds the bench's own goroutines in a trace and times
// their wake-ups: sink, reading a net.Pipe, is made runnable by each
// write of the test's goroutine, which has no role ("other").
func TestWakes(t *testing.T) {
	var buf bytes.Buffer
	if err := trace.Start(&buf); err != nil {
		t.Fatal(err)
	}
	a, b := net.Pipe()
	done := make(chan struct{})
	go func() { defer close(done); sink(b) }()
	msg := make([]byte, 1000)
	for range 200 {
		if _, err := a.Write(msg); err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Microsecond)
	}
	a.Close()
	<-done
	trace.Stop()

	rep, err := readWakes(&buf)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for k, v := range rep.waits {
		if k.role == "app-reader" && k.by == "other" {
			n += len(v)
		}
	}
	if n < 100 {
		t.Fatalf("%d wake-ups of the reader by the writer, want about 200: %v", n, rep.waits)
	}
	states := rep.state["app-reader"]
	if states["Running"] <= 0 || len(states) < 2 {
		t.Fatalf("reader's states %v", states)
	}
	var out strings.Builder
	rep.print(&out)
	for _, want := range []string{"app-reader", "made runnable by", "Waiting (select)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

// A file that is not a trace is an error, not a panic.
func TestWakesNotATrace(t *testing.T) {
	if _, err := readWakes(strings.NewReader("not a trace")); err == nil {
		t.Fatal("no error")
	}
}
