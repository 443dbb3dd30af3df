package stack

import (
	"testing"
	"time"
)

// TestTCPKernelCoalescedReceive: with offloads off, a kernel client's
// MTU-sized segments reach tcpbox's echo joined into runs before TCP
// (Stats.RxCoalesced counts the joined ones), and the 64 MiB come back
// intact each way (SHA-256, bulkEchoOnce), in frames the capture finds
// well-formed with good checksums. With Options.NoGRO nothing is joined.
func TestTCPKernelCoalescedReceive(t *testing.T) {
	if testing.Short() {
		t.Skip("bulk transfer: not in -short")
	}
	for _, noGRO := range []bool{false, true} {
		name := "gro"
		if noGRO {
			name = "nogro"
		}
		t.Run(name, func(t *testing.T) {
			b := newKernelBed(t, kernelBedOptions{snapLen: 128, noGRO: noGRO})
			b.serveEcho(t)
			bulkEchoOnce(t, b, 64<<20, 2*time.Minute)
			st := b.st.Stats()
			t.Logf("%d frames received, %d segments joined to the one before", st.RxFrames, st.RxCoalesced)
			if noGRO && st.RxCoalesced != 0 {
				t.Fatalf("%d segments joined with NoGRO", st.RxCoalesced)
			}
			if !noGRO && st.RxCoalesced == 0 {
				t.Fatal("no segment joined: every one reached TCP alone")
			}
			b.checkCapture(t, false)
		})
	}
}
