package config

import (
	"bufio"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

const saverEnv = "TCPBOX_CONFIG_SAVER_DIR"

// saverConfig is the i-th configuration the helper saves: each differs
// from the last, and its encoding is known, so a torn file cannot pass.
func saverConfig(i int) Config {
	c := Defaults()
	c.Link.MTU = 1000 + i%1000
	c.Services.Iperf3.Port = 6000 + i%1000
	return c
}

// TestSaverHelper is not a test: it is the child process of
// TestSaveSurvivesSIGKILL, saving in a loop until killed.
func TestSaverHelper(t *testing.T) {
	dir := os.Getenv(saverEnv)
	if dir == "" {
		t.Skip("helper process only")
	}
	s, _, err := Open(dir)
	if err != nil {
		os.Exit(2)
	}
	for i := 0; ; i++ {
		if err := s.Save(saverConfig(i)); err != nil {
			os.Exit(3)
		}
		if i == 0 {
			os.Stdout.WriteString("ready\n")
		}
	}
}

// TestSaveSurvivesSIGKILL kills a process that saves in a loop at random
// moments, at least 200 times, and checks after each kill that config.json
// and the good copy are each one whole configuration the process wrote.
func TestSaveSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 200 processes")
	}
	dir := t.TempDir()
	known := map[string]bool{}
	for i := 0; i < 1000; i++ {
		c := saverConfig(i)
		b, _ := Encode(&c)
		known[string(b)] = true
	}
	d := Defaults()
	b, _ := Encode(&d)
	known[string(b)] = true

	const want = 200
	deadline := time.Now().Add(3 * time.Minute)
	rng := rand.New(rand.NewPCG(1, 2))
	tornSeen := 0
	n := 0
	for ; n < want && time.Now().Before(deadline); n++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestSaverHelper$", "-test.count=1")
		cmd.Env = append(os.Environ(), saverEnv+"="+dir)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		line, _ := bufio.NewReader(out).ReadString('\n')
		if line != "ready\n" {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("helper did not start: %q", line)
		}
		time.Sleep(time.Duration(rng.IntN(3000)) * time.Microsecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()

		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), tmpPrefix) {
				tornSeen++ // killed in the middle of a write
				break
			}
		}
		for _, name := range []string{FileName, GoodName} {
			data, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatalf("kill %d: %s: %v", n, name, err)
			}
			if !known[string(data)] {
				t.Fatalf("kill %d: %s is not a configuration the process wrote:\n%s", n, name, data)
			}
			if _, err := Decode(data); err != nil {
				t.Fatalf("kill %d: %s does not load: %v", n, name, err)
			}
		}
		if _, warn, err := Open(dir); err != nil || warn != "" {
			t.Fatalf("kill %d: Open: %v %q", n, err, warn)
		}
	}
	if n < want {
		t.Fatalf("only %d kills in the time allowed, want %d", n, want)
	}
	t.Logf("%d kills, %d of them during a write (temporary file present)", n, tornSeen)
	if tornSeen == 0 {
		t.Error("no kill landed during a write: the test did not exercise what it claims")
	}
}
