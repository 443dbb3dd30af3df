package stack

import (
	"bytes"
	"encoding/hex"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/tcpbox/tcpbox/stack/tcp"
	"github.com/tcpbox/tcpbox/stack/wire"
)

func tcpHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var goldAddr = netip.MustParseAddr("198.18.5.1")

// A SYN that Linux 6.x sent on loopback (198.18.5.1:47106 -> :9); its
// checksum was a loopback partial sum and is replaced by the full one,
// computed independently in Python.
const goldSYN = "b802 0009 626a a0a0 0000 0000 a002 ffd7 3101 0000" +
	" 0204 ffd7 0402 080a a1ec 29d6 0000 0000 0103 030a"

// The RST|ACK Linux answered it with (checksum as the kernel computed it).
const goldRST = "0009 b802 0000 0000 626a a0a1 5014 0000 5e92 0000"

func TestTCPWireGoldenSYN(t *testing.T) {
	var seg tcp.Segment
	if err := parseTCPSegment(tcpHex(t, goldSYN), goldAddr, goldAddr, &seg); err != nil {
		t.Fatal(err)
	}
	want := tcp.Segment{
		SrcPort: 47106, DstPort: 9, Seq: 0x626aa0a0, Flags: tcp.SYN, Window: 0xffd7,
		Options: tcp.Options{MSS: 65495, WScale: 10, SACKPermitted: true, HasTS: true, TSVal: 0xa1ec29d6},
	}
	if len(seg.Payload) != 0 || !sameHeader(&seg, &want) {
		t.Fatalf("got  %+v\nwant %+v", seg, want)
	}
}

func TestTCPWireGoldenRSTEncode(t *testing.T) {
	seg := tcp.Segment{SrcPort: 9, DstPort: 47106, Ack: 0x626aa0a1, Flags: tcp.RST | tcp.ACK, Options: tcp.NoOptions}
	buf := bytes.Repeat([]byte{0xa5}, tcpSegmentLen(&seg))
	n := encodeTCPSegment(buf, goldAddr, goldAddr, &seg, 0)
	if got, want := buf[:n], tcpHex(t, goldRST); !bytes.Equal(got, want) {
		t.Fatalf("encoded % x\nwant    % x", got, want)
	}
}

func TestTCPWireBadChecksum(t *testing.T) {
	b := tcpHex(t, goldSYN)
	b[17] ^= 1
	var seg tcp.Segment
	if err := parseTCPSegment(b, goldAddr, goldAddr, &seg); err != errTCPChecksum {
		t.Fatalf("corrupted checksum: %v", err)
	}
	// Right bytes, wrong pseudo-header: also a bad checksum.
	b[17] ^= 1
	if err := parseTCPSegment(b, goldAddr, netip.MustParseAddr("198.18.5.2"), &seg); err != errTCPChecksum {
		t.Fatalf("wrong destination address: %v", err)
	}
}

func TestTCPWireRoundTrip(t *testing.T) {
	src, dst := netip.MustParseAddr("198.18.0.1"), netip.MustParseAddr("198.18.0.2")
	segs := []tcp.Segment{
		{SrcPort: 1, DstPort: 2, Seq: 3, Ack: 4, Flags: tcp.ACK | tcp.PSH, Window: 5, Payload: []byte("hello"), Options: tcp.NoOptions},
		{SrcPort: 50000, DstPort: 7, Seq: 0xffffffff, Flags: tcp.SYN, Window: 65535,
			Options: tcp.Options{MSS: 1460, WScale: 7, SACKPermitted: true, HasTS: true, TSVal: 1, TSEcr: 2}},
		{SrcPort: 7, DstPort: 50000, Flags: tcp.ACK, Options: tcp.Options{WScale: -1, HasTS: true, TSVal: 9, TSEcr: 8,
			NumSACK: 3, SACK: [4]tcp.SACKBlock{{Start: 1, End: 2}, {Start: 3, End: 4}, {Start: 5, End: 6}}}},
		{SrcPort: 7, DstPort: 50000, Flags: tcp.ACK | tcp.FIN, Payload: []byte("x"),
			Options: tcp.Options{WScale: -1, NumSACK: 4, SACK: [4]tcp.SACKBlock{{Start: 1, End: 2}, {Start: 3, End: 4}, {Start: 5, End: 6}, {Start: 7, End: 8}}}},
	}
	for i, seg := range segs {
		buf := bytes.Repeat([]byte{0xa5}, tcpSegmentLen(&seg))
		n := encodeTCPSegment(buf, src, dst, &seg, 0)
		var got tcp.Segment
		if err := parseTCPSegment(buf[:n], src, dst, &got); err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		if !bytes.Equal(got.Payload, seg.Payload) {
			t.Fatalf("%d: payload %q, want %q", i, got.Payload, seg.Payload)
		}
		if !sameHeader(&got, &seg) {
			t.Fatalf("%d: got  %+v\nwant %+v", i, got, seg)
		}
	}
}

func TestTCPWireAllocs(t *testing.T) {
	src, dst := netip.MustParseAddr("198.18.0.1"), netip.MustParseAddr("198.18.0.2")
	seg := tcp.Segment{SrcPort: 1, DstPort: 2, Flags: tcp.ACK, Payload: make([]byte, 1448),
		Options: tcp.Options{WScale: -1, HasTS: true, TSVal: 1, TSEcr: 2}}
	buf := make([]byte, tcpSegmentLen(&seg))
	var got tcp.Segment
	allocs := testing.AllocsPerRun(100, func() {
		n := encodeTCPSegment(buf, src, dst, &seg, 0)
		if parseTCPSegment(buf[:n], src, dst, &got) != nil {
			panic("round trip failed")
		}
	})
	if allocs != 0 {
		t.Fatalf("encode+parse allocates %v times per segment", allocs)
	}
}

func BenchmarkTCPWireEncodeParse(b *testing.B) {
	src, dst := netip.MustParseAddr("198.18.0.1"), netip.MustParseAddr("198.18.0.2")
	seg := tcp.Segment{SrcPort: 1, DstPort: 2, Flags: tcp.ACK, Payload: make([]byte, 1448),
		Options: tcp.Options{WScale: -1, HasTS: true, TSVal: 1, TSEcr: 2}}
	buf := make([]byte, tcpSegmentLen(&seg))
	var got tcp.Segment
	b.SetBytes(int64(len(seg.Payload)))
	for b.Loop() {
		n := encodeTCPSegment(buf, src, dst, &seg, 0)
		if parseTCPSegment(buf[:n], src, dst, &got) != nil {
			b.Fatal("round trip failed")
		}
	}
}

// FuzzTCPSegment feeds arbitrary bytes to the parser; whatever parses must
// encode back to bytes that parse to the same segment.
func FuzzTCPSegment(f *testing.F) {
	f.Add(tcpHex(f, goldSYN))
	f.Add(tcpHex(f, goldRST))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		var seg tcp.Segment
		// Make the checksum right so the fuzzer gets past it.
		if len(b) >= 20 {
			b[16], b[17] = 0, 0
			c := fuzzChecksum(b, goldAddr, goldAddr)
			b[16], b[17] = byte(c>>8), byte(c)
		}
		if parseTCPSegment(b, goldAddr, goldAddr, &seg) != nil {
			return
		}
		buf := make([]byte, tcpSegmentLen(&seg))
		n := encodeTCPSegment(buf, goldAddr, goldAddr, &seg, 0)
		var again tcp.Segment
		if err := parseTCPSegment(buf[:n], goldAddr, goldAddr, &again); err != nil {
			t.Fatalf("re-encoded segment does not parse: %v", err)
		}
		if !bytes.Equal(again.Payload, seg.Payload) {
			t.Fatal("payload changed")
		}
		// WScale above 14 and SACK beyond 3 blocks with timestamps may be
		// trimmed by the encoder's 40-byte limit; compare the rest.
		if again.Options.NumSACK < seg.Options.NumSACK {
			seg.Options.NumSACK = again.Options.NumSACK
			for i := again.Options.NumSACK; i < 4; i++ {
				seg.Options.SACK[i] = tcp.SACKBlock{}
			}
		}
		if !sameHeader(&again, &seg) {
			t.Fatalf("round trip\n got %+v\nwant %+v", again, seg)
		}
	})
}

func fuzzChecksum(b []byte, src, dst netip.Addr) uint16 {
	return wire.Checksum(b, wire.PseudoHeaderSum(wire.ProtoTCP, src, dst, uint16(len(b))))
}

// sameHeader compares everything but the payload.
func sameHeader(a, b *tcp.Segment) bool {
	x, y := *a, *b
	x.Payload, y.Payload = nil, nil
	return reflect.DeepEqual(x, y)
}

// TestTCPWireSACKTrimmedToFit: a full-sized data segment carrying SACK
// blocks must still fit the path MTU, so blocks are left out.
func TestTCPWireSACKTrimmedToFit(t *testing.T) {
	src, dst := netip.MustParseAddr("198.18.0.1"), netip.MustParseAddr("198.18.0.2")
	seg := tcp.Segment{SrcPort: 1, DstPort: 2, Flags: tcp.ACK, Payload: make([]byte, 1448),
		Options: tcp.Options{WScale: -1, HasTS: true, TSVal: 1, TSEcr: 2, NumSACK: 2,
			SACK: [4]tcp.SACKBlock{{Start: 10, End: 20}, {Start: 30, End: 40}}}}
	buf := make([]byte, tcpSegmentLen(&seg))
	for _, tc := range []struct{ limit, wantLen, wantSACK int }{
		{1480, 1480, 0},           // 1500 MTU: no room beside timestamps
		{1480 + 12, 1480 + 12, 1}, // room for one block (NOP NOP kind len + 8)
		{1480 + 20, 1480 + 20, 2}, // room for both
		{0, 1480 + 20, 2},         // no limit
		{1000, 1480, 0},           // cannot fit: encoded whole, IPv4 counts it
	} {
		n := encodeTCPSegment(buf, src, dst, &seg, tc.limit)
		var got tcp.Segment
		if err := parseTCPSegment(buf[:n], src, dst, &got); err != nil {
			t.Fatal(err)
		}
		if n != tc.wantLen || got.Options.NumSACK != tc.wantSACK {
			t.Errorf("limit %d: length %d with %d SACK blocks, want %d with %d", tc.limit, n, got.Options.NumSACK, tc.wantLen, tc.wantSACK)
		}
	}
}
