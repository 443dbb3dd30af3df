package stack

import (
	"bytes"
	"crypto/sha256"
	"io"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/tcpbox/tcpbox/hack/capture"
	"github.com/tcpbox/tcpbox/hack/testbed"
	"github.com/tcpbox/tcpbox/nic/afpacket"
)

// TestTCPKernelPathMTU: tcpbox (198.18.1.2, MTU 1500) sends 4 MiB to a
// kernel server (198.18.0.1, MTU 1500) through a kernel router whose
// interface towards the server has MTU 1280. Both ends advertise MSS
// 1460, so tcpbox's first full segments meet the router's smaller link:
// the router drops them and answers "fragmentation needed" (RFC 1191),
// and tcpbox must shrink its segments and resend for the transfer to
// finish intact.
func TestTCPKernelPathMTU(t *testing.T) {
	testbed.Require(t, "ethtool", "tshark")
	peer, rt, dut := testbed.NewNS(t, "p"), testbed.NewNS(t, "r"), testbed.NewNS(t, "d")
	testbed.Veth(t, peer, "veth0", rt, "va", 1500)
	testbed.Veth(t, rt, "vb", dut, "veth0", 1500)
	rt.MustRun(t, "ip", "link", "set", "va", "mtu", "1280") // the narrow hop
	for _, c := range [][]string{
		{"sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1"},
		{"sysctl", "-q", "-w", "net.ipv4.ip_forward=1"},
		{"ip", "addr", "add", "198.18.0.254/24", "dev", "va"},
		{"ip", "addr", "add", "198.18.1.254/24", "dev", "vb"},
	} {
		rt.MustRun(t, c[0], c[1:]...)
	}
	peer.MustRun(t, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1")
	peer.MustRun(t, "ip", "addr", "add", "198.18.0.1/24", "dev", "veth0")
	peer.MustRun(t, "ip", "route", "add", "198.18.1.0/24", "via", "198.18.0.254")
	dut.Quiet(t, "veth0")
	for _, o := range []struct {
		ns  *testbed.NS
		if_ string
	}{{peer, "veth0"}, {rt, "va"}, {rt, "vb"}, {dut, "veth0"}} {
		o.ns.Offloads(t, o.if_, false)
	}

	st, rec := startOnAFPacket(t, dut, "veth0", afpacket.Options{},
		Options{Addr: netip.MustParsePrefix("198.18.1.2/24"), Gateway: netip.MustParseAddr("198.18.1.254")}, 128)

	var ln net.Listener
	if err := peer.Do(func() (err error) {
		ln, err = net.Listen("tcp4", "198.18.0.1:0")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	type result struct {
		n   int64
		sum []byte
		err error
	}
	got := make(chan result, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- result{err: err}
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(60 * time.Second))
		h := sha256.New()
		n, err := io.Copy(h, c)
		got <- result{n, h.Sum(nil), err}
	}()

	const size = 4 << 20
	data := bytes.Repeat([]byte("tcpbox path MTU discovery; "), size/27+1)[:size]
	want := sha256.Sum256(data)
	c, err := st.DialTCP(dialCtx(t), netip.AddrPortFrom(netip.MustParseAddr("198.18.0.1"), uint16(ln.Addr().(*net.TCPAddr).Port)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(60 * time.Second))
	if _, err := c.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := c.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	r := <-got
	info := c.TCPInfo()
	if r.err != nil || r.n != size || !bytes.Equal(r.sum, want[:]) {
		t.Fatalf("kernel received %d of %d bytes (%v), SHA-256 match %v", r.n, size, r.err, bytes.Equal(r.sum, want[:]))
	}
	if info.PMTU != 1280 || info.SndMSS > 1280-40 {
		t.Fatalf("after the transfer: PMTU %d, SndMSS %d; want 1280 and at most 1240", info.PMTU, info.SndMSS)
	}
	t.Logf("4 MiB through a 1280-byte hop: PMTU %d, SndMSS %d, retransmissions %d (RTO %d), cwnd %d, ICMP in %d",
		info.PMTU, info.SndMSS, info.TotalRetrans, info.RTORetrans, info.Cwnd, st.Stats().ICMPIn)
	if info.RTORetrans != 0 {
		t.Errorf("%d retransmission timeouts: the ICMP message should have repaired the loss at once", info.RTORetrans)
	}
	rec.Stop()
	capture.Judge(t, rec.Path(), netip.MustParseAddr("198.18.1.2")).Check(t, false)
}
