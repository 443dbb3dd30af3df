package filehttp

import (
	"context"
	"encoding/json"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/hack/testbed"
	"github.com/tcpbox/tcpbox/services/store"
)

// curl in one namespace against the server in another, over a veth:
// upload, download and a range, SHA-256 checked.
func TestCurlAcrossVeth(t *testing.T) {
	testbed.Require(t, "curl")
	srv, cli := testbed.NewKernelPair(t, "h")
	st, err := store.Open(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var ln net.Listener
	if err := srv.Do(func() (err error) { ln, err = net.Listen("tcp4", "198.18.0.2:80"); return }); err != nil {
		t.Fatal(err)
	}
	s := &Server{Store: st}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	defer func() { cancel(); <-done }()

	src, sum := randomFile(t, 64<<20)
	out, errs, err := cli.Output(60*time.Second, "curl", "-sS", "-T", src, "http://198.18.0.2/files/v.bin")
	var res struct{ SHA256 string }
	if err != nil || json.Unmarshal([]byte(out), &res) != nil || res.SHA256 != sum {
		t.Fatalf("upload: %v %q %s", err, out, errs)
	}
	dst := filepath.Join(t.TempDir(), "v.bin")
	if _, errs, err := cli.Output(60*time.Second, "curl", "-sS", "-f", "-o", dst, "http://198.18.0.2/files/v.bin"); err != nil {
		t.Fatalf("download: %v %s", err, errs)
	}
	if fileSHA(t, dst) != sum {
		t.Fatal("download differs")
	}
	out, _, err = cli.Output(30*time.Second, "curl", "-sS", "-r", "0-9", "-o", "/dev/null", "-w", "%{http_code} %{size_download}", "http://198.18.0.2/files/v.bin")
	if err != nil || strings.TrimSpace(out) != "206 10" {
		t.Fatalf("range: %v %q", err, out)
	}
}
