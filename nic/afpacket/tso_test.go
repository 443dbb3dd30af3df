//go:build linux

package afpacket

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/hack/testbed"
	"github.com/tcpbox/tcpbox/nic"
)

// TestOffloadTCPGSOSent: a TCPv4 super-frame (GSO type 1) with a partial
// checksum leaves as MSS-sized segments even with every offload off on
// the veth (the kernel's software GSO cuts it, which it does only off the
// PACKET_QDISC_BYPASS path): sequence numbers advance,
// PSH stays on the last piece only, and every checksum verifies. The
// same super-frame given in pieces (Frame.Tail: headers and a few bytes,
// then the payload in two slices) arrives the same. A link without
// PACKET_VNET_HDR refuses a frame in pieces with an error.
func TestOffloadTCPGSOSent(t *testing.T) {
	testbed.Require(t, "ethtool")
	a, b := testbed.NewNS(t, "a"), testbed.NewNS(t, "b")
	testbed.Veth(t, a, "veth0", b, "veth0", 1500)
	a.Quiet(t, "veth0")
	b.Quiet(t, "veth0")
	a.Offloads(t, "veth0", false)
	b.Offloads(t, "veth0", false)
	la := openIn(t, a, "veth0", Options{Promisc: true, NoVnetHdr: true})
	lb := openIn(t, b, "veth0", Options{})
	if lb.GSOMaxSize() < 65535 {
		t.Fatalf("GSOMaxSize %d", lb.GSOMaxSize())
	}
	const mss, n = 1448, 5
	payload := make([]byte, mss*n-100) // the last piece is short
	for i := range payload {
		payload[i] = byte(i / mss)
	}
	f := tcpFrame(la.MAC(), lb.MAC(), 1000, payload)
	off := nic.Offload{NeedsChecksum: true, CsumStart: 34, CsumOffset: 16, GSOType: 1, GSOSize: mss, HdrLen: 54}
	if !lb.Gathers() || la.Gathers() {
		t.Fatalf("Gathers: %v with PACKET_VNET_HDR, %v without", lb.Gathers(), la.Gathers())
	}
	whole := nic.Frame{Data: f, Offload: off}
	pieces := nic.Frame{Data: f[:54+100], Tail: [][]byte{f[54+100 : 54+3000], f[54+3000:]}, Offload: off}
	if pieces.Len() != len(f) {
		t.Fatalf("pieces of %d bytes, frame of %d", pieces.Len(), len(f))
	}
	if _, err := la.WriteBatch([]nic.Frame{pieces}); err == nil {
		t.Fatal("a link without PACKET_VNET_HDR took a frame in pieces")
	}
	for _, fr := range []nic.Frame{whole, pieces} {
		checkGSOPieces(t, lb, la, fr, payload, mss, n)
	}
}

func checkGSOPieces(t *testing.T, lb, la *Link, fr nic.Frame, payload []byte, mss, n int) {
	t.Helper()
	if _, err := lb.WriteBatch([]nic.Frame{fr}); err != nil {
		t.Fatal(err)
	}
	got := readTCP(t, la, n, 20*time.Second)
	for i, p := range got {
		th := p[34:]
		wantLen := min(mss, len(payload)-i*mss)
		if len(th)-20 != wantLen || binary.BigEndian.Uint32(th[4:]) != 1000+uint32(i*mss) || th[20] != byte(i) {
			t.Errorf("piece %d: %d bytes, seq %d, first byte %d", i, len(th)-20, binary.BigEndian.Uint32(th[4:]), th[20])
		}
		if psh := th[13]&0x08 != 0; psh != (i == n-1) {
			t.Errorf("piece %d: PSH %v", i, psh)
		}
		if fold(sum(p[26:34], 6+uint32(len(th)))+sum(th, 0)) != 0xffff {
			t.Errorf("piece %d: bad TCP checksum", i)
		}
		if fold(sum(p[14:34], 0)) != 0xffff {
			t.Errorf("piece %d: bad IP checksum", i)
		}
	}
}

// tcpFrame is an ACK|PSH segment 198.18.0.2:4000 -> 198.18.0.1:5001 with
// seq and payload, its checksum field holding the pseudo-header sum only.
func tcpFrame(dst, src [6]byte, seq uint32, payload []byte) []byte {
	f := make([]byte, 54+len(payload))
	copy(f, dst[:])
	copy(f[6:], src[:])
	binary.BigEndian.PutUint16(f[12:], 0x0800)
	ip := f[14:34]
	ip[0], ip[6], ip[8], ip[9] = 0x45, 0x40, 64, 6 // DF
	binary.BigEndian.PutUint16(ip[2:], uint16(40+len(payload)))
	copy(ip[12:], []byte{198, 18, 0, 2})
	copy(ip[16:], []byte{198, 18, 0, 1})
	binary.BigEndian.PutUint16(ip[10:], ^fold(sum(ip, 0)))
	th := f[34:]
	binary.BigEndian.PutUint16(th[0:], 4000)
	binary.BigEndian.PutUint16(th[2:], 5001)
	binary.BigEndian.PutUint32(th[4:], seq)
	binary.BigEndian.PutUint32(th[8:], 1)
	th[12], th[13] = 5<<4, 0x18
	binary.BigEndian.PutUint16(th[14:], 1000)
	copy(th[20:], payload)
	binary.BigEndian.PutUint16(th[16:], fold(sum(ip[12:20], 6+uint32(len(th)))))
	return f
}

// readTCP reads IPv4/TCP frames from l until n arrived or timeout passed.
func readTCP(t *testing.T, l *Link, n int, timeout time.Duration) [][]byte {
	t.Helper()
	ch := make(chan [][]byte, 1)
	go func() {
		var got [][]byte
		frames := make([]nic.Frame, 16)
		for len(got) < n {
			k, err := l.ReadBatch(frames)
			if err != nil {
				break
			}
			for _, f := range frames[:k] {
				if len(f.Data) > 34 && f.Data[12] == 8 && f.Data[13] == 0 && f.Data[23] == 6 {
					got = append(got, append([]byte(nil), f.Data...))
				}
			}
		}
		ch <- got
	}()
	select {
	case got := <-ch:
		return got
	case <-time.After(timeout):
		l.Close()
		got := <-ch
		t.Fatalf("%d of %d TCP frames in %v (stats %+v)", len(got), n, timeout, l.Stats())
		return nil
	}
}
