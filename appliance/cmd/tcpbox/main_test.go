package main

import (
	"strings"
	"testing"
)

func TestFlagErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-iface", "x", "-addr", "198.18.0.2/24", "-dhcp"}, "exactly one of"},
		{[]string{"-iface", "x", "-addr", "nonsense"}, "-addr"},
		{[]string{"-iface", "x", "-addr", "198.18.0.2/24", "-gw", "10.0.0.1"}, "not on-link"},
		{[]string{"-iface", "x", "-addr", "198.18.0.2/24", "-mac", "zz"}, "-mac"},
		{[]string{"-iface", "x", "-addr", "198.18.0.2/24", "-mac", "01:00:5e:00:00:01"}, "multicast"},
		{[]string{"-iface", "x", "-addr", "198.18.0.2/24", "extra"}, "unexpected arguments"},
		{[]string{"-iface", "x", "-state", ""}, "state: required"},
	} {
		err := serve(c.args, &strings.Builder{}, &strings.Builder{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.args, err, c.want)
		}
	}
}

// -h lists every subcommand and the serve flags, and exits 0.
func TestHelp(t *testing.T) {
	var out, errOut strings.Builder
	if code := dispatch([]string{"-h"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, w := range []string{"serve", "put", "get", "ls", "rr", "crr", "bridge", "-iface", "-admin", "-state"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("help lacks %q:\n%s", w, out.String())
		}
	}
}

// Each subcommand reaches its own parser: a bad flag is refused with that
// command's usage and a non-zero exit, without running anything.
func TestSubcommandsDispatch(t *testing.T) {
	for _, cmd := range []string{"put", "get", "ls", "rr", "crr", "bridge"} {
		var out, errOut strings.Builder
		code := dispatch([]string{cmd, "-no-such-flag"}, &out, &errOut)
		if code == 0 {
			t.Errorf("%s -no-such-flag: exit 0", cmd)
		}
		if !strings.Contains(errOut.String()+out.String(), "no-such-flag") {
			t.Errorf("%s: error does not name the flag:\n%s%s", cmd, out.String(), errOut.String())
		}
	}
}
