package ip

// Fragmentation on send (RFC 791 §3.2 "Fragmentation"; RFC 1122
// §3.3.3): a datagram longer than the MTU whose DF bit is clear is cut
// into fragments whose data lengths, except the last, are multiples of 8
// bytes, each carrying the original header with MF set on all but the
// last and the fragment offset in 8-byte units. Only options with the
// copy bit set would be repeated; tcpbox sends no options.

// Fragments calls fn for each fragment of a payload of payloadLen bytes
// behind a header of hdrLen bytes over a link of the given MTU: the
// offset and length of the fragment's data within the payload and whether
// more fragments follow. It reports false (and calls nothing) when the
// MTU cannot carry even 8 bytes of data.
func Fragments(mtu, hdrLen, payloadLen int, fn func(off, n int, more bool)) bool {
	per := (mtu - hdrLen) &^ 7
	if per < 8 {
		return false
	}
	if payloadLen <= mtu-hdrLen {
		fn(0, payloadLen, false)
		return true
	}
	for off := 0; off < payloadLen; off += per {
		n := min(per, payloadLen-off)
		fn(off, n, off+n < payloadLen)
	}
	return true
}

// FragmentData is the data length of every fragment but the last for the
// given MTU and header length: the room left by the header, rounded down
// to a multiple of 8 (RFC 791 §3.2). It is below 8 when the MTU is too
// small to fragment at all.
func FragmentData(mtu, hdrLen int) int { return (mtu - hdrLen) &^ 7 }
