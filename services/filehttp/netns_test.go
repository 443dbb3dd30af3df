package filehttp

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/hack/testbed"
	"github.com/tcpbox/tcpbox/services/internal/svctest"
)

// curl in one namespace against the server in another, over a veth:
// upload, download and a range, SHA-256 checked.
func TestCurlAcrossVeth(t *testing.T) {
	testbed.Require(t, "curl")
	srv, cli := testbed.NewKernelPair(t, "h")
	st, _ := svctest.Store(t, 0)
	s := &Server{Store: st}
	ln := svctest.ListenIn(t, srv, "198.18.0.2:80")
	svctest.Run(t, func(ctx context.Context) error { return s.Serve(ctx, ln) })

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
