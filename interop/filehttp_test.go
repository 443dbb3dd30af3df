package interop

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/services/filehttp"
	"github.com/tcpbox/tcpbox/services/store"
)

// storeFiles lists every regular file under dir (partials included).
func storeFiles(t testing.TB, dir string) []string {
	t.Helper()
	var names []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			names = append(names, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// curl runs curl in the kernel's namespace and returns the body it
// printed and the HTTP status (from -w).
func (b *bed) curl(t testing.TB, timeout time.Duration, args ...string) (string, int) {
	t.Helper()
	all := append([]string{"-sS", "-w", "\n%{http_code}"}, args...)
	out, errs, err := b.peerRun(timeout, nil, "curl", all...)
	if err != nil {
		t.Fatalf("curl %v: %v\n%s", args, err, errs)
	}
	i := strings.LastIndexByte(out, '\n')
	code, _ := strconv.Atoi(strings.TrimSpace(out[i+1:]))
	return out[:i], code
}

// TestCurlFileHTTP drives tcpbox's HTTP file service on tcpbox's stack
// with curl from the kernel's namespace: upload and download (256 MiB, 1
// GiB with TCPBOX_BIG=1) with matching SHA-256, Range requests, the quota
// (507, nothing left on disk), traversal and absolute names (400), and a
// client killed mid-upload (no file left).
func TestCurlFileHTTP(t *testing.T) {
	size := int64(256 << 20)
	if big() {
		size = 1 << 30
	}
	b := newBed(t, bedOptions{snapLen: 96, maxFrames: iperfFrames}, "curl")
	dir := filepath.Join(t.TempDir(), "files")
	quota := size + 16<<20
	st, err := store.Open(dir, quota)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rec := &connRecord{}
	ln := newKeepConns(b.listen(t, 80), rec)
	srv := &filehttp.Server{Store: st}
	serve(t, func(ctx context.Context) error { return srv.Serve(ctx, ln) })
	base := "http://" + b.dut.String()
	src, sum := randomFile(t, 11, size)

	t.Run("upload", func(t *testing.T) {
		b.capture(t, 96, iperfFrames)
		t0 := time.Now()
		body, code := b.curl(t, 10*time.Minute, "-T", src, base+"/files/big.bin")
		took := time.Since(t0)
		var res struct{ SHA256 string }
		if code != 201 || json.Unmarshal([]byte(body), &res) != nil || res.SHA256 != sum {
			t.Fatalf("PUT: %d %s (want 201 and sha256 %s)", code, body, sum)
		}
		if got := fileSHA(t, filepath.Join(dir, "big.bin")); got != sum {
			t.Fatalf("stored file SHA-256 %s, sent %s", got, sum)
		}
		t.Logf("curl -T %d MiB to tcpbox: %v (%.0f Mbit/s, server hashes and fsyncs)", size>>20, took.Round(time.Millisecond), mbit(size, took.Seconds()))
		b.bulkVerdict(t, nil)
	})

	uploaded := func(t *testing.T) {
		if _, err := os.Stat(filepath.Join(dir, "big.bin")); err != nil {
			t.Skip("needs the upload subtest's file")
		}
	}
	t.Run("download", func(t *testing.T) {
		uploaded(t)
		b.capture(t, 96, iperfFrames)
		dst := filepath.Join(t.TempDir(), "down.bin")
		t0 := time.Now()
		if _, code := b.curl(t, 10*time.Minute, "-f", "-o", dst, base+"/files/big.bin"); code != 200 {
			t.Fatalf("GET: %d", code)
		}
		took := time.Since(t0)
		if got := fileSHA(t, dst); got != sum {
			t.Fatalf("downloaded SHA-256 %s, want %s", got, sum)
		}
		t.Logf("curl GET %d MiB from tcpbox: %v (%.0f Mbit/s)", size>>20, took.Round(time.Millisecond), mbit(size, took.Seconds()))
		b.bulkVerdict(t, rec)
	})

	t.Run("range", func(t *testing.T) {
		uploaded(t)
		b.capture(t, 0, 0)
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range []struct {
			spec     string
			from, to int64
		}{
			{"0-99", 0, 99}, {"1000000-1000999", 1000000, 1000999}, {strconv.FormatInt(size-10, 10) + "-", size - 10, size - 1},
		} {
			out := filepath.Join(t.TempDir(), "part")
			if _, code := b.curl(t, time.Minute, "-r", r.spec, "-o", out, base+"/files/big.bin"); code != 206 {
				t.Fatalf("range %s: status %d, want 206", r.spec, code)
			}
			got, _ := os.ReadFile(out)
			if !bytes.Equal(got, data[r.from:r.to+1]) {
				t.Fatalf("range %s: %d bytes not matching the file's %d..%d", r.spec, len(got), r.from, r.to)
			}
		}
		// A multi-range request answers multipart/byteranges.
		body, code := b.curl(t, time.Minute, "-r", "0-9,20-29", base+"/files/big.bin")
		if code != 206 || !strings.Contains(body, string(data[20:30])) {
			t.Fatalf("multi-range: status %d", code)
		}
		b.checkCapture(t, true)
	})

	t.Run("quota", func(t *testing.T) {
		uploaded(t)
		b.capture(t, 96, iperfFrames)
		// Content-Length beyond the quota, and a chunked body that grows
		// beyond it: both 507, nothing left.
		over, _ := randomFile(t, 12, quota-size+1<<20)
		if _, code := b.curl(t, 2*time.Minute, "-T", over, base+"/files/over.bin"); code != 507 {
			t.Errorf("PUT over quota: status %d, want 507", code)
		}
		if _, code := b.curl(t, 2*time.Minute, "-T", over, "-H", "Transfer-Encoding: chunked", base+"/files/over-chunked.bin"); code != 507 {
			t.Errorf("chunked PUT over quota: status %d, want 507", code)
		}
		if got := storeFiles(t, dir); len(got) != 1 || got[0] != "big.bin" {
			t.Errorf("store holds %v after refused uploads, want only big.bin", got)
		}
		b.checkCapture(t, false)
	})

	t.Run("names", func(t *testing.T) {
		b.capture(t, 0, 0)
		small, _ := randomFile(t, 13, 100)
		for _, p := range []string{
			"/files/../escape.bin", "/files/a/../../escape.bin", "/files/%2e%2e/escape.bin",
			"/files/..%2fescape.bin", "/files/%2e%2e%2fescape.bin", "/files//etc/escape.bin",
			"/files/%2fetc%2fescape.bin",
		} {
			if _, code := b.curl(t, time.Minute, "--path-as-is", "-T", small, base+p); code != 400 {
				t.Errorf("PUT %s: status %d, want 400", p, code)
			}
			if _, code := b.curl(t, time.Minute, "--path-as-is", base+p); code != 400 {
				t.Errorf("GET %s: status %d, want 400", p, code)
			}
		}
		if got := storeFiles(t, dir); len(got) > 1 || len(got) == 1 && got[0] != "big.bin" {
			t.Errorf("store holds %v, want at most big.bin", got)
		}
		if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "escape.bin")); err == nil {
			t.Errorf("a file escaped the store")
		}
		b.checkCapture(t, true)
	})

	t.Run("killed", func(t *testing.T) {
		b.capture(t, 96, iperfFrames)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		// 12 MiB at 2 MB/s (it must fit the quota left beside big.bin).
		slow, _ := randomFile(t, 14, 12<<20)
		cmd := b.Peer.Cmd(ctx, "curl", "-sS", "--limit-rate", "2M", "-T", slow, base+"/files/killed.bin")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Wait until the server's temporary file holds 2 MiB: the
		// upload is well under way, and far from done.
		deadline := time.Now().Add(time.Minute)
		for partialBytes(t, dir) < 2<<20 {
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("upload never got going: %v", storeFiles(t, dir))
			}
			time.Sleep(20 * time.Millisecond)
		}
		// ip netns exec execs curl, so this PID is curl's own.
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		deadline = time.Now().Add(time.Minute)
		for {
			got := storeFiles(t, dir)
			if len(got) == 0 || len(got) == 1 && got[0] == "big.bin" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("a minute after curl was killed the store holds %v", got)
			}
			time.Sleep(50 * time.Millisecond)
		}
		b.checkCapture(t, false)
	})
	t.Logf("server stats: %+v", srv.Stats.Snapshot())
}

// partialBytes is the size of the files in dir other than big.bin (an
// upload's temporary file).
func partialBytes(t testing.TB, dir string) int64 {
	var n int64
	for _, name := range storeFiles(t, dir) {
		if name == "big.bin" {
			continue
		}
		if fi, err := os.Stat(filepath.Join(dir, name)); err == nil {
			n += fi.Size()
		}
	}
	return n
}
