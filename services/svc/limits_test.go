package svc

import "testing"

func TestLimitsOrDefault(t *testing.T) {
	if got := (Limits{}).OrDefault(); got != DefaultLimits {
		t.Fatalf("zero limits: %+v, want the defaults", got)
	}
	l := Limits{MaxConns: 3}
	if got := l.OrDefault(); got != l {
		t.Fatalf("set limits: %+v, want %+v kept", got, l)
	}
}
