package fileproto

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tcpbox/tcpbox/hack/testbed"
	"github.com/tcpbox/tcpbox/services/internal/svctest"
)

// put and get across a veth between two network namespaces.
func TestPutGetAcrossVeth(t *testing.T) {
	testbed.Require(t)
	srv, cli := testbed.NewKernelPair(t, "f")
	st, _ := svctest.Store(t, 0)
	s := &Server{Store: st}
	ln := svctest.ListenIn(t, srv, "198.18.0.2:50001")
	svctest.Run(t, func(ctx context.Context) error { return s.Serve(ctx, ln) })

	src, data := randomFile(t, 64<<20)
	dst := filepath.Join(t.TempDir(), "back.bin")
	var out, errb bytes.Buffer
	// The commands dial from the client namespace (Do runs them on a
	// thread switched into it).
	if err := cli.Do(func() error {
		if c := PutMain([]string{src, "198.18.0.2"}, &out, &errb); c != 0 {
			t.Errorf("put: %s", errb.String())
		}
		if c := GetMain([]string{"-o", dst, "src.bin", "198.18.0.2"}, &out, &errb); c != 0 {
			t.Errorf("get: %s", errb.String())
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(dst)
	if sum(got) != sum(data) || strings.Count(out.String(), sum(data)) != 2 {
		t.Fatalf("round trip differs:\n%s", out.String())
	}
	t.Log(strings.TrimSpace(out.String()))
}
