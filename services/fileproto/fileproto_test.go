package fileproto

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/services/frame"
	"github.com/tcpbox/tcpbox/services/internal/svctest"
	"github.com/tcpbox/tcpbox/services/store"
	"github.com/tcpbox/tcpbox/services/svc"
)

type fixture struct {
	s    *Server
	dir  string
	addr string
}

func start(t *testing.T, quota int64) *fixture {
	t.Helper()
	st, dir := svctest.Store(t, quota)
	s := &Server{Store: st}
	addr, _ := svctest.TCP(t, s.Serve)
	return &fixture{s: s, dir: dir, addr: addr}
}

func randomFile(t *testing.T, size int) (string, []byte) {
	data := make([]byte, size)
	r := rand.NewChaCha8([32]byte{byte(size)})
	r.Read(data)
	p := filepath.Join(t.TempDir(), "src.bin")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p, data
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestPutGetLsRoundTrip(t *testing.T) {
	f := start(t, 0)
	src, data := randomFile(t, 64<<20)
	var out, errb bytes.Buffer
	if code := PutMain([]string{"-name", "dir/big.bin", src, f.addr}, &out, &errb); code != 0 {
		t.Fatalf("put: %d %s", code, errb.String())
	}
	if !strings.Contains(out.String(), sum(data)) {
		t.Fatalf("put output %q lacks the SHA-256", out.String())
	}
	t.Log(strings.TrimSpace(out.String()))
	dst := filepath.Join(t.TempDir(), "down.bin")
	out.Reset()
	if code := GetMain([]string{"-o", dst, "dir/big.bin", f.addr}, &out, &errb); code != 0 {
		t.Fatalf("get: %d %s", code, errb.String())
	}
	t.Log(strings.TrimSpace(out.String()))
	got, _ := os.ReadFile(dst)
	if sum(got) != sum(data) {
		t.Fatal("downloaded file differs")
	}
	out.Reset()
	if code := LsMain([]string{f.addr, "dir"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "big.bin") {
		t.Fatalf("ls: %d %q %s", code, out.String(), errb.String())
	}
	out.Reset()
	if code := LsMain([]string{"-json", f.addr}, &out, &errb); code != 0 || !strings.Contains(out.String(), `"name":"dir"`) {
		t.Fatalf("ls -json: %d %q", code, out.String())
	}
	if code := PutMain([]string{"only-one-arg"}, &out, &errb); code != 2 {
		t.Fatalf("bad usage: exit %d", code)
	}
}

// failAfter is a conn whose writes (or reads) fail after n bytes, like a
// link that dies mid-transfer.
type failAfter struct {
	net.Conn
	mu    sync.Mutex
	left  int
	reads bool
}

func (c *failAfter) cut(p []byte) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.left <= 0 {
		return nil, false
	}
	if len(p) > c.left {
		p = p[:c.left]
	}
	c.left -= len(p)
	return p, true
}

func (c *failAfter) Write(p []byte) (int, error) {
	if c.reads {
		return c.Conn.Write(p)
	}
	q, ok := c.cut(p)
	if !ok {
		c.Conn.Close()
		return 0, syscall.EPIPE
	}
	n, err := c.Conn.Write(q)
	if err == nil && n < len(p) {
		c.Conn.Close()
		err = syscall.EPIPE
	}
	return n, err
}

func (c *failAfter) Read(p []byte) (int, error) {
	if !c.reads {
		return c.Conn.Read(p)
	}
	q, ok := c.cut(p)
	if !ok {
		c.Conn.Close()
		return 0, syscall.ECONNRESET
	}
	return c.Conn.Read(q)
}

func TestPutInterruptedResumes(t *testing.T) {
	f := start(t, 0)
	src, data := randomFile(t, 16<<20)
	raw, err := net.Dial("tcp", f.addr)
	if err != nil {
		t.Fatal(err)
	}
	c := NewClient(&failAfter{Conn: raw, left: 8 << 20})
	fh, _ := os.Open(src)
	defer fh.Close()
	if _, err := c.Put("r.bin", fh, int64(len(data)), true, nil); err == nil {
		t.Fatal("interrupted put succeeded")
	}
	c.Close()
	// The server keeps the partial once it notices the break.
	partial := filepath.Join(f.dir, store.PartialPrefix+"r.bin")
	deadline := time.Now().Add(30 * time.Second)
	var held int64
	for {
		if fi, err := os.Stat(partial); err == nil && f.s.Stats.Snapshot().Active == 0 {
			held = fi.Size()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no partial kept")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if held == 0 || held >= int64(len(data)) {
		t.Fatalf("partial holds %d bytes", held)
	}
	var resumedFrom int64 = -1
	c2, err := Dial(context.Background(), f.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	r, err := c2.Put("r.bin", fh, int64(len(data)), true, func(done, _ int64) {
		if resumedFrom < 0 {
			resumedFrom = done - min(int64(DataFrame), int64(len(data))-held)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if resumedFrom != held || r.SHA256 != sum(data) {
		t.Fatalf("resumed from %d (server held %d), sha %s", resumedFrom, held, r.SHA256)
	}
	got, _ := os.ReadFile(filepath.Join(f.dir, "r.bin"))
	if sum(got) != sum(data) {
		t.Fatal("stored file differs")
	}
	if _, err := os.Stat(partial); !os.IsNotExist(err) {
		t.Fatal("partial left after completion")
	}
	// DELETE of a name with only a partial upload removes the partial.
	raw2, _ := net.Dial("tcp", f.addr)
	c3 := NewClient(&failAfter{Conn: raw2, left: 3 << 20})
	c3.Put("p.bin", fh, int64(len(data)), true, nil)
	c3.Close()
	partial = filepath.Join(f.dir, store.PartialPrefix+"p.bin")
	for {
		if _, err := os.Stat(partial); err == nil && f.s.Stats.Snapshot().Active <= 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no partial kept")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := c2.Delete("p.bin"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(partial); !os.IsNotExist(err) {
		t.Fatal("DELETE left the partial")
	}
	if err := c2.Delete("p.bin"); err == nil {
		t.Fatal("second DELETE succeeded")
	}
}

func TestGetInterruptedResumes(t *testing.T) {
	f := start(t, 0)
	_, data := randomFile(t, 16<<20)
	os.WriteFile(filepath.Join(f.dir, "g.bin"), data, 0o644)
	out := filepath.Join(t.TempDir(), "g.bin")
	part, _ := os.Create(out + ".part")
	raw, err := net.Dial("tcp", f.addr)
	if err != nil {
		t.Fatal(err)
	}
	c := NewClient(&failAfter{Conn: raw, left: 8 << 20, reads: true})
	if _, err := c.Get("g.bin", part, 0, nil); err == nil {
		t.Fatal("interrupted get succeeded")
	}
	c.Close()
	part.Close()
	fi, _ := os.Stat(out + ".part")
	if fi.Size() == 0 || fi.Size() >= int64(len(data)) {
		t.Fatalf("partial download of %d bytes", fi.Size())
	}
	var o, e bytes.Buffer
	if code := GetMain([]string{"-o", out, "g.bin", f.addr}, &o, &e); code != 0 {
		t.Fatalf("get: %s", e.String())
	}
	if !strings.Contains(o.String(), "resumed") || strings.Contains(o.String(), "(0 resumed)") {
		t.Fatalf("did not resume: %s", o.String())
	}
	got, _ := os.ReadFile(out)
	if sum(got) != sum(data) {
		t.Fatal("resumed download differs")
	}
}

func TestRefusals(t *testing.T) {
	f := start(t, 1<<20)
	c, err := Dial(context.Background(), f.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	code := func(err error) string {
		var pe *ProtoError
		if errors.As(err, &pe) {
			return pe.Code
		}
		return "not a refusal: " + errMsg(err)
	}
	for _, name := range []string{"../x", "/etc/passwd", "a\\b", ".partial-x", "a/../../b", "a\x00b"} {
		if _, err := c.Stat(name, false); code(err) != CodeBadName {
			t.Errorf("STAT %q: %v", name, err)
		}
		if _, err := c.Put(name, bytes.NewReader(nil), 0, false, nil); code(err) != CodeBadName {
			t.Errorf("PUT %q: %v", name, err)
		}
	}
	if _, err := c.Put("big", bytes.NewReader(make([]byte, 2<<20)), 2<<20, false, nil); code(err) != CodeQuota {
		t.Errorf("PUT beyond quota: %v", err)
	}
	if _, err := c.Get("missing", nil, 0, nil); code(err) != CodeNotFound {
		t.Errorf("GET missing: %v", err)
	}
	// The connection is still usable after refusals.
	if _, err := c.Put("ok", bytes.NewReader([]byte("hi")), 2, false, nil); err != nil {
		t.Fatal(err)
	}
	r, err := c.Stat("ok", true)
	if err != nil || r.Size != 2 || r.SHA256 != sum([]byte("hi")) {
		t.Fatalf("STAT: %+v %v", r, err)
	}
	if err := c.Delete("ok"); err != nil {
		t.Fatal(err)
	}
	des, _ := os.ReadDir(f.dir)
	if len(des) != 0 {
		t.Fatalf("left on disk: %v", des)
	}
}

func errMsg(err error) string {
	if err == nil {
		return "nil"
	}
	return err.Error()
}

// A wrong trailer is refused and nothing is stored.
func TestSHA256Mismatch(t *testing.T) {
	f := start(t, 0)
	c, err := net.Dial("tcp", f.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	writeHeader(c, &Request{Op: OpPut, Name: "m", Size: 3})
	var r Response
	readHeader(c, MaxResponseHeader, &r)
	writeHeader(c, &Start{})
	frame.Write(c, []byte("abc"))
	frame.Write(c, nil)
	writeHeader(c, &Trailer{SHA256: sum([]byte("abd"))})
	readHeader(c, MaxResponseHeader, &r)
	if r.OK || r.Code != CodeSHA256Mismatch {
		t.Fatalf("%+v", r)
	}
	if des, _ := os.ReadDir(f.dir); len(des) != 0 {
		t.Fatalf("left on disk: %v", des)
	}
}

// A client announcing a huge header is reset; a good client at the same
// time completes its transfer.
func TestMisbehavingAndGoodClient(t *testing.T) {
	f := start(t, 0)
	good, err := Dial(context.Background(), f.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer good.Close()
	bad, err := net.Dial("tcp", f.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Close()
	bad.SetDeadline(time.Now().Add(30 * time.Second))
	bad.Write([]byte{0x7f, 0xff, 0xff, 0xff})
	if _, err := bad.Read(make([]byte, 1)); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("bad client: %v, want a reset", err)
	}
	bad2, _ := net.Dial("tcp", f.addr)
	defer bad2.Close()
	bad2.SetDeadline(time.Now().Add(30 * time.Second))
	frame.Write(bad2, []byte("{not json"))
	var r Response
	if err := readHeader(bad2, MaxResponseHeader, &r); err != nil || r.Code != CodeBadRequest {
		t.Fatalf("garbage header: %+v %v", r, err)
	}
	data := bytes.Repeat([]byte("x"), 3<<20)
	if resp, err := good.Put("g", bytes.NewReader(data), int64(len(data)), false, nil); err != nil || resp.SHA256 != sum(data) {
		t.Fatalf("good client: %+v %v", resp, err)
	}
	e := f.s.Stats.Snapshot().Errors
	if e[CodeFrameTooLarge] != 1 || e[CodeBadRequest] != 1 {
		t.Fatalf("errors %v", e)
	}
}

func FuzzParseRequest(f *testing.F) {
	f.Add([]byte(`{"op":"PUT","name":"a","size":10,"resume":true}`))
	f.Add([]byte(`{"op":"GET","name":"a","offset":5}`))
	f.Add([]byte(`{"op":"LIST","name":""}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseRequest(b)
		if err == nil && (r.Offset < 0 || r.Size < 0) {
			t.Fatalf("accepted %+v", r)
		}
	})
}

// FuzzServer drives one connection of the server with arbitrary bytes
// over net.Pipe: it must answer or close, never panic or hang.
func FuzzServer(f *testing.F) {
	hdr := func(s string) []byte { return append(frame.AppendHeader(nil, len(s)), s...) }
	f.Add(hdr(`{"op":"LIST","name":""}`))
	f.Add(append(append(hdr(`{"op":"PUT","name":"f","size":3}`), hdr(`{"offset":0}`)...), append(hdr("abc"), 0, 0, 0, 0)...))
	f.Add(hdr(`{"op":"GET","name":"seed","offset":2}`))
	f.Add([]byte{0, 0, 0, 5, '{'})
	dir := f.TempDir()
	st, err := store.Open(dir, 1<<20)
	if err != nil {
		f.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "seed"), []byte("seed data"), 0o644)
	f.Fuzz(func(t *testing.T, in []byte) {
		s := &Server{Store: st, MaxData: 4096}
		a, b := net.Pipe()
		done := make(chan struct{})
		go func() {
			defer close(done)
			s.handle(context.Background(), svc.NewConn(a, &s.Stats, 5*time.Second))
			a.Close()
		}()
		go func() { b.Write(in); b.Close() }()
		io.Copy(io.Discard, b)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("server hung")
		}
	})
}

// The store fills up during an upload: the client reports the server's
// reason (quota), not a broken pipe, and counts it once.
func TestQuotaMidUpload(t *testing.T) {
	f := start(t, 6<<20)
	c, err := Dial(context.Background(), f.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	other, err := Dial(context.Background(), f.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	// A resumable upload takes quota as it goes; after its first frame
	// another client fills the store.
	data := bytes.Repeat([]byte("q"), 4<<20)
	filled := false
	_, err = c.Put("a", bytes.NewReader(data), int64(len(data)), true, func(done, _ int64) {
		if !filled {
			filled = true
			if _, err := other.Put("b", bytes.NewReader(data), int64(len(data)), false, nil); err != nil {
				t.Errorf("filling put: %v", err)
			}
		}
	})
	var pe *ProtoError
	if !errors.As(err, &pe) || pe.Code != CodeQuota {
		t.Fatalf("Put = %v, want a quota refusal", err)
	}
	if f.s.Stats.Snapshot().Errors[CodeQuota] != 1 {
		t.Fatalf("errors %v", f.s.Stats.Snapshot().Errors)
	}
}

// A partial download of an older file: the server sees the prefix differs
// and sends the whole new file.
func TestGetResumeAfterFileChanged(t *testing.T) {
	f := start(t, 0)
	_, data := randomFile(t, 3<<20)
	os.WriteFile(filepath.Join(f.dir, "c.bin"), data, 0o644)
	out := filepath.Join(t.TempDir(), "c.bin")
	os.WriteFile(out+".part", bytes.Repeat([]byte("old"), 100000), 0o644) // 300 kB of something else
	var o, e bytes.Buffer
	if code := GetMain([]string{"-o", out, "c.bin", f.addr}, &o, &e); code != 0 {
		t.Fatalf("get: %s", e.String())
	}
	if !strings.Contains(o.String(), "(0 resumed)") {
		t.Fatalf("resumed a stale partial: %s", o.String())
	}
	got, _ := os.ReadFile(out)
	if sum(got) != sum(data) {
		t.Fatal("file differs")
	}
}
