package admin_test

import (
	"encoding/binary"
	"testing"

	"github.com/tcpbox/tcpbox/appliance/admin"
)

// frame builds an Ethernet frame: IPv4 with proto (6 TCP, 17 UDP, 1 ICMP)
// from src:sport to dst:dport, or ARP when proto is 0. vlan adds an 802.1Q
// tag; frag sets a non-zero fragment offset.
func frame(proto byte, src, dst [4]byte, sport, dport uint16, vlan, frag bool) []byte {
	b := []byte{2, 0, 0x5e, 0x10, 0, 2, 2, 0, 0x5e, 0x10, 0, 1}
	if vlan {
		b = append(b, 0x81, 0x00, 0x00, 0x05)
	}
	if proto == 0 {
		b = append(b, 0x08, 0x06)
		return append(b, make([]byte, 28)...)
	}
	b = append(b, 0x08, 0x00)
	ip := make([]byte, 20+20)
	ip[0] = 0x45
	binary.BigEndian.PutUint16(ip[2:], uint16(len(ip)))
	if frag {
		binary.BigEndian.PutUint16(ip[6:], 100)
	}
	ip[8], ip[9] = 64, proto
	copy(ip[12:], src[:])
	copy(ip[16:], dst[:])
	binary.BigEndian.PutUint16(ip[20:], sport)
	binary.BigEndian.PutUint16(ip[22:], dport)
	ip[32] = 5 << 4
	return append(b, ip...)
}

var (
	peer = [4]byte{198, 18, 0, 1}
	dut  = [4]byte{198, 18, 0, 2}
)

func TestCompileFilter(t *testing.T) {
	tcp50000 := frame(6, peer, dut, 40001, 50000, false, false)
	udp7 := frame(17, dut, peer, 7, 33000, false, false)
	arp := frame(0, peer, dut, 0, 0, false, false)
	vlanTCP := frame(6, peer, dut, 40001, 80, true, false)
	fragTCP := frame(6, peer, dut, 40001, 50000, false, true)
	cases := []struct {
		filter string
		match  []bool // tcp50000, udp7, arp, vlanTCP, fragTCP
	}{
		{"", []bool{true, true, true, true, true}},
		{"tcp", []bool{true, false, false, true, true}},
		{"udp or arp", []bool{false, true, true, false, false}},
		{"ip", []bool{true, true, false, true, true}},
		{"port 50000", []bool{true, false, false, false, false}},
		{"dst port 50000", []bool{true, false, false, false, false}},
		{"src port 50000", []bool{false, false, false, false, false}},
		{"port 7", []bool{false, true, false, false, false}},
		{"host 198.18.0.1", []bool{true, true, false, true, true}},
		{"src host 198.18.0.2", []bool{false, true, false, false, false}},
		{"tcp and not port 50000", []bool{false, false, false, true, true}},
		{"not (tcp or udp)", []bool{false, false, true, false, false}},
		{"TCP && !(PORT 80)", []bool{true, false, false, false, true}},
		{"icmp", []bool{false, false, false, false, false}},
		{"tcp port 50000", []bool{true, false, false, false, false}},
		{"udp src port 7 or arp", []bool{false, true, true, false, false}},
	}
	for _, tc := range cases {
		f, err := admin.CompileFilter(tc.filter)
		if err != nil {
			t.Errorf("%q: %v", tc.filter, err)
			continue
		}
		for i, fr := range [][]byte{tcp50000, udp7, arp, vlanTCP, fragTCP} {
			if got := f(fr); got != tc.match[i] {
				t.Errorf("%q on frame %d: %v, want %v", tc.filter, i, got, tc.match[i])
			}
		}
		if tc.filter != "" && (f(nil) || f(make([]byte, 13))) {
			t.Errorf("%q matches a runt", tc.filter)
		}
	}
	for _, bad := range []string{"tcp and", "tcp or", "and tcp", "port", "port 0", "port 70000", "host example.com", "host ::1", "(tcp", "tcp)", "ether host x", "src tcp",
		string(make([]byte, 300))} {
		if _, err := admin.CompileFilter(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	deep := ""
	for range 40 {
		deep += "("
	}
	if _, err := admin.CompileFilter(deep + "tcp"); err == nil {
		t.Error("deep nesting accepted")
	}
}

// FuzzCompileFilter: any filter text compiles or is refused, never
// panics, and a compiled filter never panics on any frame.
func FuzzCompileFilter(f *testing.F) {
	f.Add("tcp and not port 50000", frame(6, peer, dut, 1, 2, false, false))
	f.Add("not (udp or arp)", frame(0, peer, dut, 0, 0, true, false))
	f.Add("src host 198.18.0.1 or dst port 7", frame(17, peer, dut, 7, 7, true, true))
	f.Add("((((", []byte{})
	f.Fuzz(func(t *testing.T, filter string, fr []byte) {
		m, err := admin.CompileFilter(filter)
		if err != nil {
			return
		}
		m(fr)
	})
}
