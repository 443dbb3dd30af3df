package stack

import (
	"io"
	"testing"
	"time"
)

// The send buffer autotunes through the glue: a writer blocked in
// TCPConn.Write on a full buffer lets it grow with the window, within
// the configured ceiling; SetWriteBuffer fixes it (SO_SNDBUF).
func TestTCPSendBufferAutotunes(t *testing.T) {
	small := func(o *tcpOptions) error {
		o.cfg.SendBufMin, o.cfg.SendBuf, o.cfg.SendBufMax = 4096, 16<<10, 1<<20
		return nil
	}
	for _, fixed := range []int{0, 40 << 10} {
		_, c, s := establishedPair(t, small)
		if fixed > 0 {
			if err := c.SetWriteBuffer(fixed); err != nil {
				t.Fatal(err)
			}
		}
		const n = 4 << 20
		done := make(chan error, 1)
		go func() {
			s.SetReadDeadline(time.Now().Add(ioTimeout))
			_, err := io.CopyN(io.Discard, s, n)
			done <- err
		}()
		c.SetWriteDeadline(time.Now().Add(ioTimeout))
		if _, err := c.Write(make([]byte, n)); err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		in := c.TCPInfo()
		switch {
		case fixed > 0 && in.SndBuf != fixed:
			t.Fatalf("send buffer %d after SetWriteBuffer(%d)", in.SndBuf, fixed)
		case fixed == 0 && (in.SndBuf <= 2*10*in.SndMSS || in.SndBuf > 1<<20):
			// Established, it holds twice the initial window of 10
			// segments; more means it followed cwnd.
			t.Fatalf("send buffer %d after 4 MiB (initial 16 KiB, mss %d, max 1 MiB, cwnd %d)", in.SndBuf, in.SndMSS, in.Cwnd)
		}
	}
}
