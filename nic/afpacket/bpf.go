//go:build linux

package afpacket

import "golang.org/x/sys/unix"

// macFilter returns a classic BPF program that accepts frames whose
// destination is mac or has the group bit set (broadcast and multicast,
// IEEE 802-2014 §8.2), and drops the rest. The socket's filter sees the
// frame from its destination MAC on, whatever PACKET_VNET_HDR adds later.
func macFilter(mac [6]byte) []unix.SockFilter {
	hi := uint32(mac[0])<<24 | uint32(mac[1])<<16 | uint32(mac[2])<<8 | uint32(mac[3])
	lo := uint32(mac[4])<<8 | uint32(mac[5])
	const (
		ldW   = unix.BPF_LD | unix.BPF_W | unix.BPF_ABS
		ldH   = unix.BPF_LD | unix.BPF_H | unix.BPF_ABS
		ldB   = unix.BPF_LD | unix.BPF_B | unix.BPF_ABS
		jeq   = unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K
		jset  = unix.BPF_JMP | unix.BPF_JSET | unix.BPF_K
		ret   = unix.BPF_RET | unix.BPF_K
		keep  = 0x40000 // accept up to 256 KiB: the whole frame
		check = 4       // index of the group-bit test
	)
	return []unix.SockFilter{
		0: {Code: ldW, K: 0},                        // A = dst[0:4]
		1: {Code: jeq, K: hi, Jt: 0, Jf: check - 2}, // mismatch: group test
		2: {Code: ldH, K: 4},                        // A = dst[4:6]
		3: {Code: jeq, K: lo, Jt: 3, Jf: 0},         // match: accept
		4: {Code: ldB, K: 0},                        // A = dst[0]
		5: {Code: jset, K: 1, Jt: 1, Jf: 0},         // group bit: accept
		6: {Code: ret, K: 0},                        // drop
		7: {Code: ret, K: keep},                     // accept
	}
}
