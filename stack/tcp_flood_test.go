package stack

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tcpbox/tcpbox/stack/wire"
)

// synFlood sends count SYNs from random addresses of srcs (random source
// ports and sequence numbers) to dst through a raw IPv4 socket, which
// must be created in the sender's namespace (NS.Do). It stops early when
// limit has passed and returns how many it sent. The socket builds the
// IPv4 header itself (IP_HDRINCL), so the sources may be spoofed and the
// kernel's TCP never sees these connections.
func synFlood(fd int, srcs netip.Prefix, dst netip.AddrPort, count int, limit time.Duration, seed uint64) (int, error) {
	rng := rand.New(rand.NewPCG(seed, 1))
	var pkt [60]byte
	to := &unix.SockaddrInet4{Addr: dst.Addr().As4()}
	deadline := time.Now().Add(limit)
	for i := 0; i < count; i++ {
		if i%1024 == 0 && time.Now().After(deadline) {
			return i, nil
		}
		sport := uint16(1024 + rng.IntN(60000))
		src := srcs.Masked().Addr().As4()
		host := rng.Uint32() & (1<<(32-srcs.Bits()) - 1)
		for k := 0; k < 4; k++ {
			src[3-k] |= byte(host >> (8 * k))
		}
		n := buildSYN(pkt[:], netip.AddrFrom4(src), sport, dst, rng.Uint32(), uint16(i))
		if err := unix.Sendto(fd, pkt[:n], 0, to); err != nil {
			if err == unix.ENOBUFS || err == unix.EAGAIN {
				time.Sleep(time.Millisecond)
				i--
				continue
			}
			return i, fmt.Errorf("synflood: sendto: %w", err)
		}
	}
	return count, nil
}

// buildSYN writes an IPv4+TCP SYN with an MSS option into b.
func buildSYN(b []byte, src netip.Addr, sport uint16, dst netip.AddrPort, seq uint32, id uint16) int {
	const ipLen, tcpLen = 20, 24
	ip := wire.IPv4Header{
		TOS: 0, ID: id, DF: true, TTL: 64, Protocol: wire.ProtoTCP,
		Src: src, Dst: dst.Addr(), PayloadLen: tcpLen,
	}
	ip.Encode(b)
	t := b[ipLen : ipLen+tcpLen]
	binary.BigEndian.PutUint16(t[0:], sport)
	binary.BigEndian.PutUint16(t[2:], dst.Port())
	binary.BigEndian.PutUint32(t[4:], seq)
	binary.BigEndian.PutUint32(t[8:], 0)
	t[12] = (tcpLen / 4) << 4
	t[13] = wire.TCPFlagSYN
	binary.BigEndian.PutUint16(t[14:], 64240)
	t[16], t[17], t[18], t[19] = 0, 0, 0, 0
	t[20], t[21] = wire.TCPOptMSS, 4
	binary.BigEndian.PutUint16(t[22:], 1460)
	c := wire.Checksum(t, wire.PseudoHeaderSum(wire.ProtoTCP, src, dst.Addr(), tcpLen))
	binary.BigEndian.PutUint16(t[16:], c)
	return ipLen + tcpLen
}

// rawSocket opens the raw IPv4 socket synFlood sends on.
func rawSocket() (int, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.IPPROTO_RAW)
	if err != nil {
		return -1, fmt.Errorf("synflood: raw socket: %w", err)
	}
	return fd, nil
}
