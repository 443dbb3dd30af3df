package pcap

import (
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/hack/testbed"
)

// udpFrame builds an Ethernet/IPv4/UDP frame with correct checksums
// (RFC 791 §3.1 header checksum; RFC 768 UDP checksum over the
// pseudo-header).
func udpFrame(id uint16, payload []byte) []byte {
	f := make([]byte, 14+20+8+len(payload))
	copy(f[0:6], []byte{2, 0, 0, 0, 0, 2})
	copy(f[6:12], []byte{2, 0, 0, 0, 0, 1})
	binary.BigEndian.PutUint16(f[12:], 0x0800)
	ip := f[14:34]
	ip[0] = 0x45
	binary.BigEndian.PutUint16(ip[2:], uint16(20+8+len(payload)))
	binary.BigEndian.PutUint16(ip[4:], id)
	ip[8], ip[9] = 64, 17
	copy(ip[12:16], []byte{198, 18, 0, 1})
	copy(ip[16:20], []byte{198, 18, 0, 2})
	binary.BigEndian.PutUint16(ip[10:], ^fold(sum(ip, 0)))
	udp := f[34:]
	binary.BigEndian.PutUint16(udp[0:], 40000)
	binary.BigEndian.PutUint16(udp[2:], 7)
	binary.BigEndian.PutUint16(udp[4:], uint16(8+len(payload)))
	copy(udp[8:], payload)
	ps := sum(ip[12:20], 17+uint32(len(udp)))
	c := ^fold(sum(udp, ps))
	if c == 0 {
		c = 0xffff
	}
	binary.BigEndian.PutUint16(udp[6:], c)
	return f
}

func sum(b []byte, s uint32) uint32 {
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		s += uint32(b[len(b)-1]) << 8
	}
	return s
}

func fold(s uint32) uint16 {
	for s > 0xffff {
		s = s>>16 + s&0xffff
	}
	return uint16(s)
}

// TestTsharkReads writes frames through a Writer and has tshark, as an
// independent judge, read them back: every frame parsed, none malformed,
// checksums good, nanosecond timestamps intact.
func TestTsharkReads(t *testing.T) {
	testbed.Tools(t, "tshark")
	path := filepath.Join(t.TempDir(), "cap.pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := NewWriter(f, 0)
	if err != nil {
		t.Fatal(err)
	}
	const n = 50
	for i := 0; i < n; i++ {
		w.WriteFrame(t0.Add(time.Duration(i)*time.Nanosecond), udpFrame(uint16(i), payload(i, 10+i*20)))
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("tshark", "-n", "-r", path,
		"-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
		"-T", "fields", "-E", "separator=,",
		"-e", "frame.time_epoch", "-e", "udp.length", "-e", "_ws.malformed",
		"-e", "ip.checksum.status", "-e", "udp.checksum.status").CombinedOutput()
	if err != nil {
		t.Fatalf("tshark: %v\n%s", err, out)
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if !strings.HasPrefix(l, "Running as user") && l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) != n {
		t.Fatalf("tshark read %d frames, want %d:\n%s", len(lines), n, out)
	}
	for i, l := range lines {
		fs := strings.Split(l, ",")
		if len(fs) != 5 {
			t.Fatalf("line %d: %q", i, l)
		}
		// Nine fractional digits matching t0+i ns prove nanosecond
		// precision survived.
		if wantNs := 123456789 + i; !strings.HasSuffix(fs[0], "1700000000."+itoa9(wantNs)) {
			t.Errorf("frame %d: time %s, want ...%d ns", i, fs[0], wantNs)
		}
		if fs[2] != "" {
			t.Errorf("frame %d malformed: %q", i, l)
		}
		// Wireshark's checksum status: 0 bad, 1 good, 2 unverified.
		if fs[3] != "1" || fs[4] != "1" {
			t.Errorf("frame %d checksum status ip=%s udp=%s, want 1 (good)", i, fs[3], fs[4])
		}
	}
}

func itoa9(n int) string {
	b := make([]byte, 9)
	for i := 8; i >= 0; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b)
}
