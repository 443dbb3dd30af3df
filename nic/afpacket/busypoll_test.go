//go:build linux

package afpacket

import (
	"errors"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/nic"
)

// TestBusyPoll: with Options.BusyPoll a reader that found the socket
// (or, with the frame ring, its next slot) empty keeps polling, and a frame sent meanwhile is found by the poll
// (Stats().RxBusyPolled); once the budget is spent the reader sleeps in the
// poller and still gets the next frame; Close ends a polling reader.
func TestBusyPoll(t *testing.T) {
	bd := newBed(t, Options{}, Options{BusyPoll: 300 * time.Millisecond})
	buf := make([]nic.Frame, 8)
	read := func() (int, error) {
		ch := make(chan error, 1)
		var n int
		go func() {
			var err error
			n, err = bd.lb.ReadBatch(buf)
			ch <- err
		}()
		select {
		case err := <-ch:
			return n, err
		case <-time.After(10 * time.Second):
			t.Fatal("ReadBatch did not return")
			return 0, nil
		}
	}
	readTest := func(what string, seq int) {
		t.Helper()
		for {
			n, err := read()
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			for _, f := range buf[:n] {
				if len(f.Data) >= 18 && f.Data[12] == testType>>8 && f.Data[13] == testType&0xff {
					if got := int(f.Data[17]); got != seq {
						t.Fatalf("%s: frame %d, want %d", what, got, seq)
					}
					return
				}
			}
		}
	}

	// A frame sent while the reader polls (it starts polling at once:
	// nothing is queued) is found by the poll.
	go func() {
		time.Sleep(50 * time.Millisecond)
		send(t, bd.la, testFrame(bd.lb.MAC(), bd.la.MAC(), 1, 64))
	}()
	readTest("during the poll", 1)
	if bd.lb.Stats().RxBusyPolled == 0 {
		t.Fatal("the frame sent 50 ms into a 300 ms busy poll was not counted as found by it")
	}

	// After the budget the reader sleeps; a frame still wakes it.
	hits := bd.lb.Stats().RxBusyPolled
	go func() {
		time.Sleep(600 * time.Millisecond)
		send(t, bd.la, testFrame(bd.lb.MAC(), bd.la.MAC(), 2, 64))
	}()
	readTest("after the poll", 2)
	if got := bd.lb.Stats().RxBusyPolled; got != hits {
		t.Fatalf("a frame sent after the busy poll's end counted as found by it (%d -> %d)", hits, got)
	}

	// Close ends a reader in the middle of its poll.
	done := make(chan error, 1)
	go func() {
		_, err := bd.lb.ReadBatch(buf)
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	bd.lb.Close()
	select {
	case err := <-done:
		if !errors.Is(err, nic.ErrClosed) {
			t.Fatalf("ReadBatch after Close: %v", err)
		}
		if d := time.Since(start); d > 250*time.Millisecond {
			t.Fatalf("Close took %v to end a polling reader", d)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not end a polling reader")
	}
}
