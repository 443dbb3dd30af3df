package filehttp

import (
	"bytes"
	"compress/flate"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/services/internal/svctest"
	"github.com/tcpbox/tcpbox/services/store"
)

type fixture struct {
	s    *Server
	dir  string
	base string // http://127.0.0.1:port
	stop func() // cancels Serve and waits for it; idempotent
}

func start(t *testing.T, quota int64) *fixture {
	t.Helper()
	st, dir := svctest.Store(t, quota)
	s := &Server{Store: st}
	addr, stop := svctest.TCP(t, s.Serve)
	return &fixture{s: s, dir: dir, base: "http://" + addr, stop: stop}
}

// needCurl skips without curl, except under CI (CI=true), where a missing
// tool fails the test.
func needCurl(t *testing.T) { svctest.NeedTool(t, "curl") }

// curl runs curl with a timeout and returns stdout; -w appends the status.
func curl(t *testing.T, args ...string) (body string, status int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	all := append([]string{"-sS", "--path-as-is", "-w", "\n%{http_code}"}, args...)
	out, err := exec.CommandContext(ctx, "curl", all...).Output()
	if err != nil {
		t.Fatalf("curl %v: %v", args, err)
	}
	s := string(out)
	i := strings.LastIndexByte(s, '\n')
	fmt.Sscan(s[i+1:], &status)
	return s[:i], status
}

func randomFile(t *testing.T, size int64) (string, string) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "src")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	r := io.LimitReader(newGenReader(), size)
	if _, err := io.Copy(io.MultiWriter(f, h), r); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return p, hex.EncodeToString(h.Sum(nil))
}

func fileSHA(t *testing.T, p string) string {
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	io.Copy(h, f)
	return hex.EncodeToString(h.Sum(nil))
}

func dirNames(t *testing.T, dir string) []string {
	des, _ := os.ReadDir(dir)
	var out []string
	for _, d := range des {
		out = append(out, d.Name())
	}
	return out
}

// 128 MiB up and down with curl, SHA-256 equal at every step.
func TestCurlUploadDownload(t *testing.T) {
	needCurl(t)
	f := start(t, 0)
	src, sum := randomFile(t, 128<<20)
	body, status := curl(t, "-T", src, f.base+"/files/big.bin")
	if status != http.StatusCreated {
		t.Fatalf("PUT: %d %s", status, body)
	}
	var res struct {
		Size   int64
		SHA256 string
	}
	json.Unmarshal([]byte(body), &res)
	if res.Size != 128<<20 || res.SHA256 != sum {
		t.Fatalf("server says %+v, want sha %s", res, sum)
	}
	if got := fileSHA(t, filepath.Join(f.dir, "big.bin")); got != sum {
		t.Fatal("stored file differs")
	}
	dst := filepath.Join(t.TempDir(), "down")
	if _, status := curl(t, "-o", dst, f.base+"/files/big.bin"); status != 200 {
		t.Fatalf("GET: %d", status)
	}
	if got := fileSHA(t, dst); got != sum {
		t.Fatal("downloaded file differs")
	}
	// Chunked upload of the same data (curl -T - sends chunked).
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "curl", "-sS", "-T", "-", f.base+"/files/chunked.bin")
	in, _ := os.Open(src)
	defer in.Close()
	cmd.Stdin = in
	if out, err := cmd.Output(); err != nil || !strings.Contains(string(out), sum) {
		t.Fatalf("chunked PUT: %v %s", err, out)
	}
}

func TestRangeAndConditional(t *testing.T) {
	needCurl(t)
	f := start(t, 0)
	data := []byte("0123456789abcdefghijklmnopqrstuvwxyz")
	os.WriteFile(filepath.Join(f.dir, "r.txt"), data, 0o644)
	url := f.base + "/files/r.txt"
	if body, status := curl(t, "-r", "10-15", url); status != 206 || body != "abcdef" {
		t.Fatalf("single range: %d %q", status, body)
	}
	body, status := curl(t, "-r", "0-1,30-35", url)
	if status != 206 || !strings.Contains(body, "Content-Range: bytes 0-1/36") || !strings.Contains(body, "uvwxyz") {
		t.Fatalf("multi range: %d %q", status, body)
	}
	if _, status := curl(t, "-r", "100-200", url); status != 416 {
		t.Fatalf("unsatisfiable range: %d", status)
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	etag, lm := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	if etag == "" || lm == "" {
		t.Fatalf("no validators: %v", resp.Header)
	}
	if _, status := curl(t, "-H", "If-None-Match: "+etag, url); status != 304 {
		t.Fatalf("If-None-Match: %d", status)
	}
	if _, status := curl(t, "-H", "If-Modified-Since: "+lm, url); status != 304 {
		t.Fatalf("If-Modified-Since: %d", status)
	}
	if body, status := curl(t, "-H", "If-Range: "+etag, "-r", "0-3", url); status != 206 || body != "0123" {
		t.Fatalf("If-Range match: %d %q", status, body)
	}
	if body, status := curl(t, "-H", `If-Range: "other"`, "-r", "0-3", url); status != 200 || body != string(data) {
		t.Fatalf("If-Range mismatch: %d %q", status, body)
	}
	if _, status := curl(t, "-I", url); status != 200 {
		t.Fatalf("HEAD: %d", status)
	}
}

func TestQuota(t *testing.T) {
	needCurl(t)
	f := start(t, 1<<20)
	src, _ := randomFile(t, 2<<20)
	if body, status := curl(t, "-T", src, f.base+"/files/big"); status != 507 {
		t.Fatalf("PUT beyond quota (Content-Length): %d %s", status, body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "curl", "-sS", "-w", "%{http_code}", "-T", "-", f.base+"/files/big")
	in, _ := os.Open(src)
	defer in.Close()
	cmd.Stdin = in
	out, _ := cmd.Output()
	if !strings.HasSuffix(string(out), "507") {
		t.Fatalf("chunked PUT beyond quota: %q", out)
	}
	if got := dirNames(t, f.dir); len(got) != 0 {
		t.Fatalf("left on disk: %v", got)
	}
	if used, _ := f.s.Store.Usage(); used != 0 {
		t.Fatalf("quota used %d after refusals", used)
	}
	if f.s.Stats.Snapshot().Errors["quota"] != 2 {
		t.Fatalf("errors %v", f.s.Stats.Snapshot().Errors)
	}
}

func TestBadNames(t *testing.T) {
	needCurl(t)
	f := start(t, 0)
	os.WriteFile(filepath.Join(filepath.Dir(f.dir), "secret"), []byte("x"), 0o644)
	for _, p := range []string{
		"/files/../secret", "/files/%2e%2e/secret", "/files/%2E%2E%2fsecret", "/files/a/../../secret",
		"/files//etc/passwd", "/files/%2fetc%2fpasswd", "/files/a%5cb", "/files/a%00b", "/files/.hidden",
	} {
		for _, method := range []string{"GET", "PUT", "DELETE"} {
			body, status := curl(t, "-X", method, "--data-binary", "x", f.base+p)
			if status != 400 || !strings.Contains(body, "bad_name") {
				t.Errorf("%s %s: %d %q, want 400 bad_name", method, p, status, body)
			}
		}
	}
	if got := dirNames(t, f.dir); len(got) != 0 {
		t.Fatalf("created %v", got)
	}
}

// A client killed mid-upload leaves no file (and no temporary file).
func TestKilledUploadLeavesNothing(t *testing.T) {
	needCurl(t)
	f := start(t, 0)
	src, _ := randomFile(t, 8<<20)
	cmd := exec.Command("curl", "-sS", "--limit-rate", "1M", "-T", src, f.base+"/files/partial.bin")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until the upload is under way (its temporary file exists).
	deadline := time.Now().Add(30 * time.Second)
	for len(dirNames(t, f.dir)) == 0 {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatal("upload never started")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	// The handler's Abort removes the file, then gives its quota back:
	// wait for both.
	for {
		names := dirNames(t, f.dir)
		used, _ := f.s.Store.Usage()
		if len(names) == 0 && used == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("left on disk: %v, quota used %d", names, used)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestListingDeleteGenSink(t *testing.T) {
	needCurl(t)
	f := start(t, 0)
	os.WriteFile(filepath.Join(f.dir, "a<b>.txt"), []byte("hello"), 0o644)
	os.Mkdir(filepath.Join(f.dir, "sub"), 0o755)
	body, status := curl(t, f.base+"/files/")
	if status != 200 || !strings.Contains(body, "a&lt;b&gt;.txt") || !strings.Contains(body, `href="sub/"`) {
		t.Fatalf("HTML listing: %d %s", status, body)
	}
	for _, args := range [][]string{{f.base + "/files/?format=json"}, {"-H", "Accept: application/json", f.base + "/files/"}} {
		body, _ := curl(t, args...)
		var l struct{ Entries []store.Entry }
		if err := json.Unmarshal([]byte(body), &l); err != nil || len(l.Entries) != 2 || l.Entries[0].Size != 5 || !l.Entries[1].Dir {
			t.Fatalf("JSON listing %v: %v %s", args, err, body)
		}
	}
	if _, status := curl(t, "-X", "DELETE", f.base+"/files/a%3Cb%3E.txt"); status != 204 {
		t.Fatalf("DELETE: %d", status)
	}
	if _, status := curl(t, "-X", "DELETE", f.base+"/files/a%3Cb%3E.txt"); status != 404 {
		t.Fatalf("second DELETE: %d", status)
	}

	// /gen: exact length, incompressible.
	resp, err := http.Get(f.base + "/gen/4M")
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || len(data) != 4<<20 {
		t.Fatalf("gen: %d bytes, %v", len(data), err)
	}
	var z bytes.Buffer
	zw, _ := flate.NewWriter(&z, flate.BestCompression)
	zw.Write(data)
	zw.Close()
	if z.Len() < len(data)*99/100 {
		t.Fatalf("gen data compresses to %d of %d", z.Len(), len(data))
	}
	if _, status := curl(t, f.base+"/gen/2T"); status != 400 {
		t.Fatalf("gen beyond 1T: %d", status)
	}
	// /sink with SHA-256.
	sum := sha256.Sum256(data)
	req, _ := http.NewRequest("PUT", f.base+"/sink?sha256=1", bytes.NewReader(data))
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var sk struct {
		Bytes  int64
		SHA256 string
	}
	json.NewDecoder(resp.Body).Decode(&sk)
	resp.Body.Close()
	if sk.Bytes != 4<<20 || sk.SHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("sink: %+v", sk)
	}
}

// Garbage on one connection gets a 400; a good client at the same time
// is unaffected, and keep-alive carries several requests on one connection.
func TestGarbageAndKeepAlive(t *testing.T) {
	f := start(t, 0)
	os.WriteFile(filepath.Join(f.dir, "x"), []byte("data"), 0o644)
	addr := strings.TrimPrefix(f.base, "http://")
	good, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer good.Close()
	bad, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Close()
	bad.SetDeadline(time.Now().Add(30 * time.Second))
	bad.Write([]byte("\x00\x01garbage \xff\r\n\r\n"))
	reply, _ := io.ReadAll(bad)
	if !bytes.HasPrefix(reply, []byte("HTTP/1.1 400")) {
		t.Fatalf("garbage got %q", reply)
	}
	good.SetDeadline(time.Now().Add(30 * time.Second))
	for i := 0; i < 3; i++ {
		fmt.Fprintf(good, "GET /files/x HTTP/1.1\r\nHost: t\r\n\r\n")
	}
	all := make([]byte, 0, 4096)
	buf := make([]byte, 4096)
	for bytes.Count(all, []byte("\r\n\r\ndata")) < 3 {
		n, err := good.Read(buf)
		if err != nil {
			t.Fatalf("keep-alive: %v after %q", err, all)
		}
		all = append(all, buf[:n]...)
	}
	if c := f.s.Stats.Snapshot().Connections; c != 2 {
		t.Fatalf("connections %d, want 2", c)
	}
	// net/http answered the garbage itself; the watch counted it.
	deadline := time.Now().Add(10 * time.Second)
	for f.s.Stats.Snapshot().Errors["malformed_request"] != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("errors %v", f.s.Stats.Snapshot().Errors)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// newGenReader is a fast source of test data.
func newGenReader() io.Reader {
	return readerFunc(func(p []byte) (int, error) {
		for i := range p {
			p[i] = byte(i*7 + len(p))
		}
		return len(p), nil
	})
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

// Stopping the server mid-upload: Serve returns only after the upload's
// handler has removed its temporary file.
func TestShutdownMidUpload(t *testing.T) {
	needCurl(t)
	f := start(t, 0)
	src, _ := randomFile(t, 8<<20)
	cmd := exec.Command("curl", "-sS", "--limit-rate", "1M", "-T", src, f.base+"/files/s.bin")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	deadline := time.Now().Add(30 * time.Second)
	for len(dirNames(t, f.dir)) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("upload never started")
		}
		time.Sleep(10 * time.Millisecond)
	}
	f.stop()
	if got := dirNames(t, f.dir); len(got) != 0 {
		t.Fatalf("left on disk after Serve returned: %v", got)
	}
}
