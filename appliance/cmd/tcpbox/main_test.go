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
		{[]string{"-addr", "198.18.0.2/24"}, "iface: required"},
		{[]string{"-iface", "x"}, "exactly one of"},
		{[]string{"-iface", "x", "-addr", "198.18.0.2/24", "-dhcp"}, "exactly one of"},
		{[]string{"-iface", "x", "-addr", "nonsense"}, "-addr"},
		{[]string{"-iface", "x", "-addr", "198.18.0.2/24", "-gw", "10.0.0.1"}, "not on-link"},
		{[]string{"-iface", "x", "-addr", "198.18.0.2/24", "-mac", "zz"}, "-mac"},
		{[]string{"-iface", "x", "-addr", "198.18.0.2/24", "-mac", "01:00:5e:00:00:01"}, "multicast"},
		{[]string{"-iface", "x", "-addr", "198.18.0.2/24", "extra"}, "unexpected arguments"},
	} {
		err := run(c.args)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.args, err, c.want)
		}
	}
}
