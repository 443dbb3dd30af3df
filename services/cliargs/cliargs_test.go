package cliargs

import (
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	var (
		s   Set
		b   bool
		n   int
		str string
		d   time.Duration
	)
	s.Bool(&b, "json", false, "")
	s.Int(&n, "count", 10, "")
	s.String(&str, "o", "", "")
	s.Duration(&d, "t", time.Second, "")
	rest, err := s.Parse([]string{"-json", "-count", "5", "--o=x", "-t=2s", "host", "-notopt"})
	if err != nil || !b || n != 5 || str != "x" || d != 2*time.Second || len(rest) != 2 || rest[0] != "host" {
		t.Fatalf("%v %v %d %q %v %v", err, b, n, str, d, rest)
	}
	for _, bad := range [][]string{{"-nope"}, {"-count"}, {"-count", "x"}, {"-json=maybe"}} {
		var s2 Set
		var n2 int
		var b2 bool
		s2.Int(&n2, "count", 0, "")
		s2.Bool(&b2, "json", false, "")
		if _, err := s2.Parse(bad); err == nil {
			t.Errorf("Parse(%v) succeeded", bad)
		}
	}
}
