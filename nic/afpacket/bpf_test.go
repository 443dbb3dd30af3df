//go:build linux

package afpacket

import (
	"testing"

	"golang.org/x/sys/unix"
)

// runBPF interprets the few classic BPF instructions macFilter uses, so
// the program's logic is checked without a socket.
func runBPF(t *testing.T, prog []unix.SockFilter, pkt []byte) uint32 {
	var a uint32
	for pc := 0; pc < len(prog); pc++ {
		in := prog[pc]
		load := func(n int) bool {
			if int(in.K)+n > len(pkt) {
				return false
			}
			a = 0
			for _, b := range pkt[in.K : int(in.K)+n] {
				a = a<<8 | uint32(b)
			}
			return true
		}
		switch in.Code {
		case unix.BPF_LD | unix.BPF_W | unix.BPF_ABS:
			if !load(4) {
				return 0
			}
		case unix.BPF_LD | unix.BPF_H | unix.BPF_ABS:
			if !load(2) {
				return 0
			}
		case unix.BPF_LD | unix.BPF_B | unix.BPF_ABS:
			if !load(1) {
				return 0
			}
		case unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K:
			if a == in.K {
				pc += int(in.Jt)
			} else {
				pc += int(in.Jf)
			}
		case unix.BPF_JMP | unix.BPF_JSET | unix.BPF_K:
			if a&in.K != 0 {
				pc += int(in.Jt)
			} else {
				pc += int(in.Jf)
			}
		case unix.BPF_RET | unix.BPF_K:
			return in.K
		default:
			t.Fatalf("instruction %d: unknown code %#x", pc, in.Code)
		}
	}
	t.Fatal("program fell off its end")
	return 0
}

func TestMACFilterProgram(t *testing.T) {
	mac := [6]byte{0x02, 0x11, 0x22, 0x33, 0x44, 0x55}
	prog := macFilter(mac)
	for _, tc := range []struct {
		name string
		dst  []byte
		keep bool
	}{
		{"ours", mac[:], true},
		{"broadcast", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, true},
		{"ipv4 multicast", []byte{0x01, 0x00, 0x5e, 0x00, 0x00, 0x01}, true},
		{"ipv6 multicast", []byte{0x33, 0x33, 0x00, 0x00, 0x00, 0x01}, true},
		{"other", []byte{0x02, 0x11, 0x22, 0x33, 0x44, 0x56}, false},
		{"same high half", []byte{0x02, 0x11, 0x22, 0x33, 0x00, 0x00}, false},
		{"same low half", []byte{0x02, 0x00, 0x00, 0x00, 0x44, 0x55}, false},
	} {
		pkt := append(append([]byte(nil), tc.dst...), make([]byte, 54)...)
		if got := runBPF(t, prog, pkt) != 0; got != tc.keep {
			t.Errorf("%s: keep=%v, want %v", tc.name, got, tc.keep)
		}
	}
}
