package svc

import (
	"fmt"
	"maps"
	"testing"
)

func TestSnapshotAdd(t *testing.T) {
	var a, b Stats
	a.Opened()
	a.AddIn(3)
	a.Error("x")
	a.Closed()
	b.Opened()
	b.AddOut(4)
	b.Rejected("limit")
	b.Error("x")
	sa := a.Snapshot()
	got := sa.Add(b.Snapshot())
	want := Snapshot{Connections: 2, Active: 1, Rejected: 1, BytesIn: 3, BytesOut: 4,
		Errors: map[string]uint64{"x": 2, "limit": 1}}
	if !maps.Equal(got.Errors, want.Errors) {
		t.Fatalf("errors %v, want %v", got.Errors, want.Errors)
	}
	got.Errors, want.Errors = nil, nil
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("sum %+v, want %+v", got, want)
	}
	if sa.Errors["x"] != 1 {
		t.Fatal("Add changed its receiver's errors")
	}
}
