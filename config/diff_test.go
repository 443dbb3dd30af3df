package config

import (
	"reflect"
	"testing"
)

func TestDiff(t *testing.T) {
	a := Defaults()
	b := Clone(&a)
	if d := Diff(&a, &b); len(d) != 0 {
		t.Fatalf("identical: %v", d)
	}
	b.Link.MTU = 9000
	b.Services.Iperf3.Port = 5202
	b.Profiles["rr"] = func() Profile { p := b.Profiles["rr"]; p.Congestion = "bbr"; p.Backlog = 10; return p }()
	b.Services.FramedEcho.Profile = "rr"
	b.Admin.PasswordHash = "pbkdf2-sha256$1000$c2FsdHNhbHQ$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	delete(b.Profiles, "bulk")
	b.Profiles["lab"] = DefaultProfile()
	d := Diff(&a, &b)
	want := Changes{
		{Path: "admin.password_hash", Applies: "admin"},
		{Path: "link.mtu", Old: "1500", New: "9000", Applies: "link"},
		{Path: "profiles.bulk", Old: "(removed)", Applies: "conn"},
		{Path: "profiles.lab", New: "(added)", Applies: "conn"},
		{Path: "profiles.rr.backlog", Old: "128", New: "10", Applies: "service"},
		{Path: "profiles.rr.congestion", Old: "newreno", New: "bbr", Applies: "conn"},
		{Path: "services.framed_echo.profile", Old: "", New: "rr", Applies: "conn"},
		{Path: "services.iperf3.port", Old: "5201", New: "5202", Applies: "service"},
	}
	if !reflect.DeepEqual(d, want) {
		t.Fatalf("Diff:\n got %+v\nwant %+v", d, want)
	}
	if !d.Has("link") || d.Has("address") {
		t.Error("Has wrong")
	}
	if got := d.Services(&b); !reflect.DeepEqual(got, []string{"framed_echo", "iperf3"}) {
		t.Errorf("Services = %v", got)
	}
}
