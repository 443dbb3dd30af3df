package interop

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/nic/impair"
	"github.com/tcpbox/tcpbox/services/fileproto"
	"github.com/tcpbox/tcpbox/services/store"
)

// TestPutGetThroughLoss: `tcpbox put` and `tcpbox get` (fileproto's
// PutMain and GetMain, their sockets in the kernel's namespace) move a
// file to and from tcpbox's file protocol service on tcpbox's stack across
// the impairment bridge at 2% loss both ways, intact; then an upload and a
// download each broken at half way resume and complete with the right
// SHA-256. 256 MiB each time.
func TestPutGetThroughLoss(t *testing.T) {
	const size = int64(256 << 20)
	limit := 20 * time.Minute
	d := impair.Direction{Loss: 0.02}
	b := newBed(t, bedOptions{impair: impairment(d, 7), snapLen: 96, maxFrames: iperfFrames})
	dir := filepath.Join(t.TempDir(), "files")
	st, err := store.Open(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ln := b.listen(t, fileproto.Port)
	srv := &fileproto.Server{Store: st}
	serve(t, func(ctx context.Context) error { return srv.Serve(ctx, ln) })
	src, sum := randomFile(t, 21, size)
	host := b.dut.String()

	// inPeer runs a command function with its sockets in the kernel's
	// namespace, bounded by limit.
	inPeer := func(t *testing.T, main func([]string, io.Writer, io.Writer) int, args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		code := make(chan int, 1)
		go func() {
			b.Peer.Do(func() error { code <- main(args, &out, &errb); return nil })
		}()
		select {
		case c := <-code:
			if c != 0 {
				t.Fatalf("%v: exit %d: %s", args, c, errb.String())
			}
		case <-time.After(limit):
			t.Fatalf("%v: not done after %v", args, limit)
		}
		return out.String()
	}

	t.Run("put-get", func(t *testing.T) {
		out := inPeer(t, fileproto.PutMain, "-name", "whole.bin", src, host)
		if !strings.Contains(out, sum) {
			t.Fatalf("put: %s (want sha256 %s)", out, sum)
		}
		if got := fileSHA(t, filepath.Join(dir, "whole.bin")); got != sum {
			t.Fatalf("stored SHA-256 %s, sent %s", got, sum)
		}
		dst := filepath.Join(t.TempDir(), "whole.bin")
		out2 := inPeer(t, fileproto.GetMain, "-o", dst, "whole.bin", host)
		if got := fileSHA(t, dst); got != sum {
			t.Fatalf("downloaded SHA-256 %s, want %s\n%s", got, sum, out2)
		}
		t.Logf("at 2%% loss: %s; %s", strings.TrimSpace(out), strings.TrimSpace(out2))
	})

	t.Run("resume-put", func(t *testing.T) {
		c := b.dial(t, host+":"+strconv.Itoa(fileproto.Port))
		f, err := os.Open(src)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		cl := fileproto.NewClient(c)
		_, err = cl.Put("resumed.bin", f, size, true, func(done, _ int64) {
			if done >= size/2 {
				c.Close() // the link breaks at half way
			}
		})
		if err == nil {
			t.Fatal("upload broken at half way reported success")
		}
		waitIdle(t, srv)
		before := srv.Stats.Snapshot().BytesIn
		out := inPeer(t, fileproto.PutMain, "-name", "resumed.bin", src, host)
		sent := srv.Stats.Snapshot().BytesIn - before
		if !strings.Contains(out, sum) || fileSHA(t, filepath.Join(dir, "resumed.bin")) != sum {
			t.Fatalf("resumed put: %s (want sha256 %s)", out, sum)
		}
		// The resumed run carried about half the file, not all of it.
		if sent > uint64(size)*6/10 {
			t.Errorf("the resumed put carried %d bytes of %d: it did not resume", sent, size)
		}
		t.Logf("put broken at half way, resumed: %d of %d bytes sent again; %s", sent, size, strings.TrimSpace(out))
	})

	t.Run("resume-get", func(t *testing.T) {
		dst := filepath.Join(t.TempDir(), "got.bin")
		part, err := os.OpenFile(dst+".part", os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		c := b.dial(t, host+":"+strconv.Itoa(fileproto.Port))
		cl := fileproto.NewClient(c)
		_, err = cl.Get("whole.bin", part, 0, func(done, _ int64) {
			if done >= size/2 {
				c.Close()
			}
		})
		part.Close()
		if err == nil {
			t.Fatal("download broken at half way reported success")
		}
		out := inPeer(t, fileproto.GetMain, "-o", dst, "whole.bin", host)
		m := regexp.MustCompile(`\((\d+) resumed\)`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("get: %s", out)
		}
		if n, _ := strconv.ParseInt(m[1], 10, 64); n < size/2 {
			t.Errorf("get resumed at %d, want at least %d", n, size/2)
		}
		if got := fileSHA(t, dst); got != sum {
			t.Fatalf("resumed download SHA-256 %s, want %s", got, sum)
		}
		t.Logf("get broken at half way, resumed: %s", strings.TrimSpace(out))
	})

	bs := b.br.Stats()
	if bs.AB.DropLoss == 0 || bs.BA.DropLoss == 0 {
		t.Errorf("the bridge lost nothing: A->B %+v B->A %+v", bs.AB, bs.BA)
	}
	cr := b.checkCapture(t, false)
	t.Logf("bridge lost %d/%d frames kernel->tcpbox, %d/%d tcpbox->kernel; tshark on the first %d TCP frames: %d retransmissions, %d zero-window",
		bs.AB.DropLoss, bs.AB.Offered, bs.BA.DropLoss, bs.BA.Offered, cr.TCPFrames, len(cr.Retransmissions), cr.ZeroWindows)
}

// waitIdle waits until the server has no connection open (a broken
// transfer has been wound up).
func waitIdle(t *testing.T, srv *fileproto.Server) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for srv.Stats.Snapshot().Active != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("server still has %d connections", srv.Stats.Snapshot().Active)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
