package wire

import (
	"encoding/binary"
	"math/bits"
	"net/netip"
)

// The Internet checksum (RFC 1071) is the 16-bit ones' complement of the
// ones' complement sum of the data taken as big-endian 16-bit words, an odd
// final byte padded with a zero byte on its right.
//
// Sum returns the folded ones' complement sum (not yet complemented) of b
// added to initial. Because 2^16 = 1 modulo 2^16-1, a ones' complement sum
// of 64-bit big-endian words, folded down to 16 bits, equals the sum of
// the 16-bit words (RFC 1071 §2(B), "parallel summation"); so Sum reads 8
// bytes at a time, keeps the carries with bits.Add64, and folds once at
// the end.
func Sum(b []byte, initial uint16) uint16 {
	acc := uint64(initial)
	var carry uint64
	for len(b) >= 32 {
		acc, carry = bits.Add64(acc, binary.BigEndian.Uint64(b), carry)
		acc, carry = bits.Add64(acc, binary.BigEndian.Uint64(b[8:]), carry)
		acc, carry = bits.Add64(acc, binary.BigEndian.Uint64(b[16:]), carry)
		acc, carry = bits.Add64(acc, binary.BigEndian.Uint64(b[24:]), carry)
		b = b[32:]
	}
	for len(b) >= 8 {
		acc, carry = bits.Add64(acc, binary.BigEndian.Uint64(b), carry)
		b = b[8:]
	}
	if len(b) >= 4 {
		acc, carry = bits.Add64(acc, uint64(binary.BigEndian.Uint32(b)), carry)
		b = b[4:]
	}
	if len(b) >= 2 {
		acc, carry = bits.Add64(acc, uint64(binary.BigEndian.Uint16(b)), carry)
		b = b[2:]
	}
	if len(b) == 1 {
		acc, carry = bits.Add64(acc, uint64(b[0])<<8, carry)
	}
	acc, carry = bits.Add64(acc, 0, carry)
	acc += carry // cannot carry again: acc was at most 2^64-2 after adding a carry
	return fold64(acc)
}

func fold64(x uint64) uint16 {
	x = (x >> 32) + (x & 0xffffffff)
	x = (x >> 32) + (x & 0xffffffff)
	y := uint32(x)
	y = (y >> 16) + (y & 0xffff)
	y = (y >> 16) + (y & 0xffff)
	return uint16(y)
}

// Combine adds two folded ones' complement sums.
func Combine(a, b uint16) uint16 {
	s := uint32(a) + uint32(b)
	return uint16(s + s>>16)
}

// Checksum returns the Internet checksum of b: the complement of its sum.
// A header whose checksum field is included verifies when Sum(b, 0) is
// 0xffff.
func Checksum(b []byte, initial uint16) uint16 {
	return ^Sum(b, initial)
}

// PseudoHeaderSum is the folded sum of the IPv4 pseudo-header used by UDP
// (RFC 768) and TCP (RFC 9293 §3.1): source, destination, zero, protocol,
// and the transport length. Non-IPv4 addresses count as zero.
func PseudoHeaderSum(proto uint8, src, dst netip.Addr, length uint16) uint16 {
	s4, d4 := as4(src), as4(dst)
	acc := uint32(binary.BigEndian.Uint16(s4[:2])) + uint32(binary.BigEndian.Uint16(s4[2:])) +
		uint32(binary.BigEndian.Uint16(d4[:2])) + uint32(binary.BigEndian.Uint16(d4[2:])) +
		uint32(proto) + uint32(length)
	acc = (acc >> 16) + (acc & 0xffff)
	acc = (acc >> 16) + (acc & 0xffff)
	return uint16(acc)
}

func as4(a netip.Addr) [4]byte {
	if a.Is4() {
		return a.As4()
	}
	return [4]byte{}
}

// UpdateChecksum returns the checksum field hc of a header after one
// 16-bit word changed from old to new, by RFC 1624 eqn. 3:
// HC' = ~(~HC + ~m + m'). Eqn. 3 stays exact where RFC 1141's form goes
// wrong (RFC 1624 §3: the -0 / +0 case).
func UpdateChecksum(hc, old, new uint16) uint16 {
	s := uint32(^hc) + uint32(^old) + uint32(new)
	s = (s >> 16) + (s & 0xffff)
	s = (s >> 16) + (s & 0xffff)
	return ^uint16(s)
}

// UpdateChecksum32 is UpdateChecksum for a 32-bit field (an address or a
// sequence number): two 16-bit words change at once.
func UpdateChecksum32(hc uint16, old, new uint32) uint16 {
	hc = UpdateChecksum(hc, uint16(old>>16), uint16(new>>16))
	return UpdateChecksum(hc, uint16(old), uint16(new))
}
