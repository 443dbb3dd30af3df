package icmp

import (
	"encoding/hex"
	"net/netip"
	"strings"
	"testing"
)

// quoteHex is the body of a fragmentation-needed message about a TCP
// segment 198.18.0.2:7 -> 198.18.0.1:40000, sequence 0x01020304: the
// IPv4 header (DF, 1500 bytes) and the first 8 bytes of TCP.
const quoteHex = "4500 05dc 1234 4000 4006 0000 c612 0002 c612 0001" +
	"0007 9c40 0102 0304"

func mustHexQ(t testing.TB, s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseQuote(t *testing.T) {
	body := mustHexQ(t, quoteHex)
	q, ok := ParseQuote(body)
	want := Quote{Src: netip.MustParseAddr("198.18.0.2"), Dst: netip.MustParseAddr("198.18.0.1"), Proto: 6, SrcPort: 7, DstPort: 40000, Seq: 0x01020304}
	if !ok || q != want {
		t.Fatalf("ParseQuote = %+v, %v; want %+v", q, ok, want)
	}
	for name, b := range map[string][]byte{
		"short header":    body[:19],
		"no 8 data bytes": body[:27],
		"IPv6":            append([]byte{0x65}, body[1:]...),
		"IHL below 5":     append([]byte{0x44}, body[1:]...),
		"IHL past body":   append([]byte{0x4f}, body[1:]...),
		"later fragment":  append(append(append([]byte{}, body[:6]...), 0x20, 0x01), body[8:]...),
	} {
		if q, ok := ParseQuote(b); ok {
			t.Errorf("%s: parsed as %+v", name, q)
		}
	}
}

func FuzzParseQuote(f *testing.F) {
	f.Add(mustHexQ(f, quoteHex))
	f.Add([]byte{0x46})
	f.Fuzz(func(t *testing.T, body []byte) {
		q, ok := ParseQuote(body)
		if ok && (len(body) < 28 || !q.Src.Is4() || !q.Dst.Is4()) {
			t.Fatalf("accepted %x as %+v", body, q)
		}
	})
}
