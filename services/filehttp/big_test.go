package filehttp

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// TestCurl1GiB moves 1 GiB each way with curl and checks SHA-256 at every
// step. It takes disk (3 GiB in the test's temporary directory) and time,
// so it runs only with TCPBOX_BIG=1.
func TestCurl1GiB(t *testing.T) {
	if os.Getenv("TCPBOX_BIG") != "1" {
		t.Skip("set TCPBOX_BIG=1 to move 1 GiB")
	}
	needCurl(t)
	f := start(t, 2<<30)
	const size = 1 << 30
	src, sum := randomFile(t, size)
	t0 := time.Now()
	body, status := curl(t, "-T", src, f.base+"/files/1g.bin")
	up := time.Since(t0)
	var res struct{ SHA256 string }
	json.Unmarshal([]byte(body), &res)
	if status != http.StatusCreated || res.SHA256 != sum {
		t.Fatalf("PUT: %d %s", status, body)
	}
	dst := filepath.Join(t.TempDir(), "down")
	t0 = time.Now()
	if _, status := curl(t, "-o", dst, f.base+"/files/1g.bin"); status != 200 {
		t.Fatalf("GET: %d", status)
	}
	down := time.Since(t0)
	if got := fileSHA(t, dst); got != sum {
		t.Fatal("downloaded file differs")
	}
	t0 = time.Now()
	if _, status := curl(t, "-o", "/dev/null", f.base+"/gen/"+strconv.Itoa(size)); status != 200 {
		t.Fatalf("gen: %d", status)
	}
	gen := time.Since(t0)
	mb := func(d time.Duration) float64 { return size / d.Seconds() / 1e6 }
	t.Logf("1 GiB over loopback with curl: upload %.2fs (%.0f MB/s, SHA-256 and fsync included), download %.2fs (%.0f MB/s), /gen %.2fs (%.0f MB/s)",
		up.Seconds(), mb(up), down.Seconds(), mb(down), gen.Seconds(), mb(gen))
}
