package capture

import (
	"bufio"
	"bytes"
	"fmt"
	"net/netip"
	"os/exec"
	"strings"
	"testing"
)

// Read has tshark read the capture at path in one pass, checksums
// verified, and returns its frames.
func Read(path string) ([]Frame, error) {
	args := []string{"-r", path, "-n",
		"-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
		"-T", "fields", "-E", "separator=/t", "-E", "occurrence=f"}
	for _, f := range fields {
		args = append(args, "-e", f)
	}
	var stderr bytes.Buffer
	cmd := exec.Command("tshark", args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("capture: tshark: %v\n%s", err, stderr.String())
	}
	var frames []Frame
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		f, err := parseLine(sc.Text())
		if err != nil {
			return nil, err
		}
		frames = append(frames, f)
	}
	return frames, sc.Err()
}

// Judge reads the capture at path and analyses it with local as
// tcpbox's address; a failure to read fails the test.
func Judge(t testing.TB, path string, local netip.Addr) *Report {
	t.Helper()
	frames, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	return Analyze(frames, local)
}
