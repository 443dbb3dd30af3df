package main

import (
	"testing"

	"github.com/tcpbox/tcpbox/hack/qemu"
)

func TestParseForwards(t *testing.T) {
	got, err := parseForwards("tcp:8080:80, udp:10007:7")
	if err != nil {
		t.Fatal(err)
	}
	want := []qemu.Forward{{Proto: "tcp", HostPort: 8080, GuestPort: 80}, {Proto: "udp", HostPort: 10007, GuestPort: 7}}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("got %+v", got)
	}
	for _, bad := range []string{"sctp:1:2", "tcp:1", "tcp:0:80", "tcp:70000:80", "tcp:x:80"} {
		if _, err := parseForwards(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func FuzzParseForwards(f *testing.F) {
	for _, s := range []string{"tcp:8080:80", "udp:1:2,tcp:3:4", "", "tcp::", "tcp:1:2:3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fs, err := parseForwards(s)
		if err != nil {
			return
		}
		for _, fw := range fs {
			if fw.HostPort < 1 || fw.HostPort > 65535 || fw.GuestPort < 1 || fw.GuestPort > 65535 || (fw.Proto != "tcp" && fw.Proto != "udp") {
				t.Fatalf("%q gave %+v", s, fw)
			}
		}
	})
}
