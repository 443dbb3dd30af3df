package svc

import (
	"context"
	"io"
	"net"
	"testing"
	"time"
)

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// A held connection blocks in the handler; cancelling the context must
// close it and make Serve return with no goroutine left.
func TestServeCancelEndsConnections(t *testing.T) {
	ln := listen(t)
	var st Stats
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	started := make(chan struct{}, 1)
	go func() {
		done <- Serve(ctx, ln, Limits{}, &st, func(ctx context.Context, c *Conn) {
			started <- struct{}{}
			io.Copy(io.Discard, c)
		})
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	<-started
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after cancel")
	}
	if s := st.Snapshot(); s.Connections != 1 || s.Active != 0 {
		t.Fatalf("stats %+v", s)
	}
}

// The per-address limit refuses the second connection with a reset while
// the first is still served, and counts the reason.
func TestServePerAddrLimit(t *testing.T) {
	ln := listen(t)
	var st Stats
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- Serve(ctx, ln, Limits{MaxConnsPerAddr: 1}, &st, func(ctx context.Context, c *Conn) {
			io.Copy(c, c)
		})
	}()
	defer func() { cancel(); <-done }()
	a, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	a.Write([]byte("x"))
	one := make([]byte, 1)
	if _, err := io.ReadFull(a, one); err != nil {
		t.Fatal(err)
	}
	// The reset may arrive before connect(2) returns (then Dial fails) or
	// after (then the first Read does).
	if b, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		defer b.Close()
		b.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := b.Read(one); err == nil {
			t.Fatal("second connection was served despite the per-address limit")
		}
	}
	if got := st.Snapshot().Errors[ReasonMaxConnsPerAddr]; got != 1 {
		t.Fatalf("%s = %d, want 1", ReasonMaxConnsPerAddr, got)
	}
	// The first client did not notice.
	a.Write([]byte("y"))
	if _, err := io.ReadFull(a, one); err != nil || one[0] != 'y' {
		t.Fatalf("first client disturbed: %v %q", err, one)
	}
}

func TestIdleTimeout(t *testing.T) {
	ln := listen(t)
	var st Stats
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Serve(ctx, ln, Limits{IdleTimeout: 50 * time.Millisecond}, &st, func(ctx context.Context, c *Conn) {
			_, err := io.Copy(io.Discard, c)
			if r := Reason(err); r != "" {
				st.Error(r)
			}
		})
	}()
	defer func() { cancel(); <-done }()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Fatal("idle connection not closed")
	}
	if st.Snapshot().Errors["idle_timeout"] != 1 {
		t.Fatalf("errors %v", st.Snapshot().Errors)
	}
}
