package stack

import (
	"testing"
	"time"
)

// TestTCPKernelLentReceive: with offloads on, a kernel client's 64 KiB
// super-frames reach tcpbox's echo, which reads them from the link's
// frames where they arrived (Stats.RxLent counts them), and the 64 MiB
// come back intact (SHA-256 both ways, bulkEchoOnce). With
// Options.CopyReceive nothing is lent and the bytes are the same.
func TestTCPKernelLentReceive(t *testing.T) {
	if testing.Short() {
		t.Skip("bulk transfer: not in -short")
	}
	for _, copyRx := range []bool{false, true} {
		name := "lent"
		if copyRx {
			name = "copied"
		}
		t.Run(name, func(t *testing.T) {
			b := newKernelBed(t, kernelBedOptions{snapLen: 128, offloads: true, copyRx: copyRx})
			b.serveEcho(t)
			bulkEchoOnce(t, b, 64<<20, 2*time.Minute)
			st := b.st.Stats()
			t.Logf("%d frames received, %d payloads lent", st.RxFrames, st.RxLent)
			if copyRx && st.RxLent != 0 {
				t.Fatalf("%d payloads lent with CopyReceive", st.RxLent)
			}
			if !copyRx && st.RxLent == 0 {
				t.Fatal("no payload lent: the receive path copied every super-frame")
			}
		})
	}
}
