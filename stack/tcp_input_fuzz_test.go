package stack

import (
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/tcpbox/tcpbox/stack/wire"
)

// FuzzTCPInput drives the whole TCP receive path of a stack (checksum,
// parse, demux, listener or connection, replies) with arbitrary segments
// from its peer's address, the checksum made right so the fuzzer gets past
// it. The stack holds a listener on port 7 and an established connection
// from the peer; nothing may panic, and each segment must either reach a
// state machine or be counted as a drop.
func FuzzTCPInput(f *testing.F) {
	f.Add(tcpHex(f, goldSYN))
	f.Add(tcpHex(f, goldRST))
	ack := tcpHex(f, goldRST)
	ack[13] = wire.TCPFlagACK
	binary.BigEndian.PutUint16(ack[2:], 7)
	f.Add(ack)
	syn := tcpHex(f, goldSYN)
	binary.BigEndian.PutUint16(syn[2:], 7)
	f.Add(syn)
	f.Add([]byte{})
	f.Add(make([]byte, 19))

	p := newTCPPair(f, tcpPairOptions{})
	ln, err := p.b.ListenTCP(netip.MustParseAddrPort("0.0.0.0:7"))
	if err != nil {
		f.Fatal(err)
	}
	defer ln.Close()
	c, err := p.a.DialTCP(dialCtx(f), netip.AddrPortFrom(p.bAddr, 7))
	if err != nil {
		f.Fatal(err)
	}
	defer c.Close()
	estPort := c.LocalAddrPort().Port()
	f.Fuzz(func(t *testing.T, b []byte) {
		seg := append([]byte(nil), b...)
		if len(seg) >= 20 {
			// Half the inputs aim at the established connection.
			if seg[0]&1 == 1 {
				binary.BigEndian.PutUint16(seg[0:], estPort)
				binary.BigEndian.PutUint16(seg[2:], 7)
			}
			seg[16], seg[17] = 0, 0
			cs := wire.Checksum(seg, wire.PseudoHeaderSum(wire.ProtoTCP, p.aAddr, p.bAddr, uint16(len(seg))))
			binary.BigEndian.PutUint16(seg[16:], cs)
		}
		st := p.b.Stats()
		before := st.TotalDrops()
		p.b.tcpInput(p.aAddr, p.bAddr, 0, seg)
		st = p.b.Stats()
		if len(seg) < 20 && st.TotalDrops() == before {
			t.Fatalf("a %d-byte segment was not counted as a drop", len(seg))
		}
	})
}
