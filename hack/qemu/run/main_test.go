package main

import (
	"fmt"
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

func TestDescribe(t *testing.T) {
	for _, c := range []struct {
		f     qemu.Forward
		names map[string]string
		want  string
	}{
		{qemu.Forward{Proto: "tcp", HostPort: 8080, GuestPort: 8080}, mgmtNames, "tcp 127.0.0.1:8080 -> 8080: tcpbox admin page, user gokrazy with the image's password at http://127.0.0.1:8080/"},
		{qemu.Forward{Proto: "tcp", HostPort: 8081, GuestPort: 80}, mgmtNames, "tcp 127.0.0.1:8081 -> 80: gokrazy web interface, user gokrazy at http://127.0.0.1:8081/"},
		{qemu.Forward{Proto: "tcp", HostPort: 15000, GuestPort: 50000}, serviceNames, "tcp 127.0.0.1:15000 -> 50000: framed echo"},
		{qemu.Forward{Proto: "udp", HostPort: 10007, GuestPort: 7}, serviceNames, "udp 127.0.0.1:10007 -> 7: UDP echo"},
		{qemu.Forward{Proto: "tcp", HostPort: 2222, GuestPort: 22}, serviceNames, "tcp 127.0.0.1:2222 -> 22"},
	} {
		if got := describe(c.f, c.names); got != c.want {
			t.Errorf("describe(%v) = %q, want %q", c.f, got, c.want)
		}
	}
}

// The default forwards parse and name every service of the default
// configuration, so make run prints what each port is.
func TestDefaultForwardsNamed(t *testing.T) {
	for _, c := range []struct {
		flag  string
		names map[string]string
	}{{defaultMgmt, mgmtNames}, {defaultTest, serviceNames}} {
		fs, err := parseForwards(c.flag)
		if err != nil {
			t.Fatalf("-%s default: %v", c.flag, err)
		}
		for _, f := range fs {
			if c.names[fmt.Sprintf("%s/%d", f.Proto, f.GuestPort)] == "" {
				t.Errorf("-%s default forward %v names no service", c.flag, f)
			}
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
