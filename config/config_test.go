package config

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

func TestDefaultsValid(t *testing.T) {
	c := Defaults()
	if err := Validate(&c); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
}

// Every knob explains itself: help text, how it applies, and for TCP knobs
// the Linux equivalent.
func TestEveryFieldDocumented(t *testing.T) {
	c := Defaults()
	fields := Fields(&c)
	if len(fields) < 100 {
		t.Fatalf("only %d fields", len(fields))
	}
	seen := map[string]bool{}
	for _, f := range fields {
		if seen[f.Path] {
			t.Errorf("%s listed twice", f.Path)
		}
		seen[f.Path] = true
		if f.Help == "" || f.Applies == "" {
			t.Errorf("%s: help %q applies %q", f.Path, f.Help, f.Applies)
		}
		if strings.HasPrefix(f.Path, "tcp.") && f.Linux == "" {
			t.Errorf("%s: no Linux equivalent", f.Path)
		}
		if f.Value != f.Default {
			t.Errorf("%s: value %q differs from default %q in the defaults", f.Path, f.Value, f.Default)
		}
	}
	for _, p := range []string{"tcp.mss_clamp", "profiles.bulk.congestion", "services.iperf3.max_duration",
		"services.http_file.quota", "services.framed_echo.profile", "link.mtu", "admin.port"} {
		if !seen[p] {
			t.Errorf("field %s missing", p)
		}
	}
}

func TestSetAndFields(t *testing.T) {
	c := Defaults()
	for path, val := range map[string]string{
		"profiles.bulk.congestion": "cubic",
		"tcp.delayed_ack":          "25ms",
		"tcp.nagle":                "off",
		"services.iperf3.port":     "5202",
		"services.http_file.quota": "12345",
	} {
		if err := Set(&c, path, val); err != nil {
			t.Fatalf("Set(%s): %v", path, err)
		}
	}
	if c.Profiles["bulk"].Congestion != "cubic" || c.TCP.DelayedAck.D() != 25*time.Millisecond ||
		c.TCP.Nagle || c.Services.Iperf3.Port != 5202 || c.Services.HTTPFile.Quota != 12345 {
		t.Fatalf("Set did not take: %+v", c)
	}
	if c.Profiles["rr"].Congestion != "newreno" {
		t.Fatal("Set changed another profile")
	}
	got := map[string]Field{}
	for _, f := range Fields(&c) {
		got[f.Path] = f
	}
	if f := got["tcp.delayed_ack"]; f.Value != "25ms" || f.Default != "40ms" || f.Kind != "duration" {
		t.Errorf("tcp.delayed_ack = %+v", f)
	}
	for _, bad := range [][2]string{{"tcp.nope", "1"}, {"profiles.none.sack", "true"}, {"tcp.sack", "maybe"},
		{"tcp.backlog", "12x"}, {"tcp.rto_min", "fast"}, {"link", "x"}, {"tcp.mss_clamp.x", "1"}, {"", ""}} {
		if err := Set(&c, bad[0], bad[1]); err == nil {
			t.Errorf("Set(%q, %q) succeeded", bad[0], bad[1])
		}
	}
}

func TestValidateReportsEverything(t *testing.T) {
	c := Defaults()
	p := c.Profiles["bulk"]
	p.MSSClamp = 20
	p.SndBuf = -1
	p.Congestion = "vegas"
	c.Profiles["bulk"] = p
	c.TCP.RTOMin = Duration(2 * time.Second) // above rto_initial 1s
	c.Link.MAC = "01:00:5e:00:00:01"
	c.Address = Address{Mode: "static", CIDR: "198.18.0.2/24", Gateway: "198.19.0.1"}
	c.Services.Discard.Port = 7
	c.Services.FramedEcho.Profile = "nope"
	c.Admin.Listen = "example.com"
	err := Validate(&c)
	var es Errors
	if !errors.As(err, &es) {
		t.Fatalf("Validate = %v, want Errors", err)
	}
	want := []string{
		"profiles.bulk.mss_clamp: 20 is below the minimum 88",
		"profiles.bulk.sndbuf: -1 is below the minimum 1024",
		`profiles.bulk.congestion: "vegas" is not one of reno, newreno, cubic, bbr, fixed`,
		"profiles.bulk.sndbuf: -1 is below sndbuf_min 4096",
		"tcp.rto_initial: 1s is below rto_min 2s",
		"link.mac: 01:00:5e:00:00:01 is a multicast address; a station needs a unicast one",
		"address.gateway: 198.19.0.1 is not inside 198.18.0.0/24",
		"services.discard.port: port 7 is already used by tcp_echo",
		`services.framed_echo.profile: no profile named "nope"`,
		`admin.listen: "example.com" is not an IP address`,
	}
	msg := err.Error()
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("missing %q", w)
		}
	}
	if len(es) != len(want) {
		t.Errorf("%d errors, want %d:\n%s", len(es), len(want), strings.ReplaceAll(msg, "; ", "\n"))
	}
	if got := es.For("profiles.bulk.mss_clamp"); len(got) != 1 {
		t.Errorf("For = %v", got)
	}
}

func TestValidateBounds(t *testing.T) {
	cases := []struct {
		set  func(*Config)
		want string // "" = valid
	}{
		{func(c *Config) { c.TCP.MSSClamp = 0 }, ""},
		{func(c *Config) { c.TCP.MSSClamp = 88 }, ""},
		{func(c *Config) { c.TCP.MSSClamp = 87 }, "tcp.mss_clamp: 87 is below the minimum 88"},
		{func(c *Config) { c.TCP.MSSClamp = 65496 }, "tcp.mss_clamp: 65496 is above the maximum 65495"},
		{func(c *Config) { c.TCP.WScaleShift = 15 }, "tcp.wscale_shift: 15 is above the maximum 14"},
		{func(c *Config) { c.TCP.DelayedAck = Duration(-time.Millisecond) }, "tcp.delayed_ack: -1ms is below the minimum 0s"},
		{func(c *Config) { c.TCP.DelayedAck = Duration(600 * time.Millisecond) }, "tcp.delayed_ack: 600ms is above the maximum 500ms"},
		{func(c *Config) { c.TCP.ECN = "" }, `tcp.ecn: "" is not one of off, passive, active`},
		{func(c *Config) { c.TCP.SACK = false }, "tcp.dsack: D-SACK needs sack"},
		{func(c *Config) { c.Link.MTU = 100 }, "link.mtu: 100 is below the minimum 576"},
		{func(c *Config) { c.Link.Interface = "a/b" }, "link.interface"},
		{func(c *Config) { c.Address = Address{Mode: "static"} }, "address.cidr: a static address needs cidr"},
		{func(c *Config) { c.Address.CIDR = "2001:db8::1/64" }, "address.cidr: 2001:db8::1/64 is not IPv4"},
		{func(c *Config) { c.Admin.AlsoOnTCPBox = true; c.Admin.Port = 80 }, "services.http_file.port: port 80 is already used by admin"},
		{func(c *Config) { c.Services.UDPEcho.Port = 7 }, ""},
		{func(c *Config) { c.Services.Discard.Enabled = false; c.Services.Discard.Port = 7 }, ""},
		{func(c *Config) { c.Admin.PasswordHash = "plain" }, "admin.password_hash"},
		{func(c *Config) { c.Profiles["Bad Name"] = DefaultProfile() }, "profile name must be"},
		{func(c *Config) { c.Version = 1 }, "version: 1 is not the current schema version 2"},
	}
	for i, tc := range cases {
		c := Defaults()
		tc.set(&c)
		err := Validate(&c)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%d: unexpected %v", i, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%d: got %v, want %q", i, err, tc.want)
		}
	}
}

func TestDecodeStrict(t *testing.T) {
	c := Defaults()
	enc, err := Encode(&c)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Decode(enc)
	if err != nil {
		t.Fatal(err)
	}
	enc2, _ := Encode(&back)
	if string(enc) != string(enc2) {
		t.Fatal("encode/decode round trip differs")
	}
	for _, bad := range []string{
		`{"version":2,"colour":"red"}`,
		`{"version":2,"tcp":{"sack":true,"sackk":true}}`,
		`{"version":2,"profiles":{"x":{"nagel":false}}}`,
		`{"version":2} {}`,
		`{"version":2,"tcp":{"delayed_ack":40}}`,
		`{"version":3}`,
		`{"link":{}}`,
		`[]`,
		``,
	} {
		if _, err := Decode([]byte(bad)); err == nil {
			t.Errorf("Decode(%s) accepted", bad)
		}
	}
	// A profile with a few fields takes the defaults for the rest.
	got, err := Decode([]byte(`{"version":2,"profiles":{"x":{"congestion":"bbr"}},"services":{"chargen":{"profile":"x"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultProfile()
	want.Congestion = "bbr"
	if got.Profiles["x"] != want || got.Services.Chargen.Profile != "x" || got.Services.Chargen.Port != 19 {
		t.Fatalf("partial decode: %+v", got.Profiles["x"])
	}
	if _, err := Decode(make([]byte, MaxFileSize+1)); err == nil {
		t.Fatal("oversized file accepted")
	}
}

func TestMigrateV1(t *testing.T) {
	data, err := os.ReadFile("testdata/v1.json")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Decode(data)
	if err != nil {
		t.Fatalf("v1 file: %v", err)
	}
	if c.Version != SchemaVersion {
		t.Errorf("version %d", c.Version)
	}
	if c.TCP.DelayedAck.D() != 25*time.Millisecond || c.TCP.RTOMin.D() != 300*time.Millisecond || c.TCP.MSL.D() != time.Second {
		t.Errorf("tcp times: %v %v %v", c.TCP.DelayedAck, c.TCP.RTOMin, c.TCP.MSL)
	}
	if c.TCP.Congestion != "newreno" || c.TCP.Nagle != true {
		t.Errorf("tcp: %+v", c.TCP)
	}
	b := c.Profiles["bulk"]
	if b.Congestion != "bbr" || b.RcvBuf != 8<<20 || b.RTOInitial.D() != 2*time.Second {
		t.Errorf("bulk: %+v", b)
	}
	if c.Admin.Listen != "198.18.1.1" || c.Admin.Port != 8081 {
		t.Errorf("admin: %+v", c.Admin)
	}
	if c.Link.MTU != 9000 || c.Link.Mode != "macvlan" || c.Services.FramedEcho.Profile != "bulk" {
		t.Errorf("link/services: %+v %+v", c.Link, c.Services.FramedEcho)
	}
	for _, bad := range []string{
		`{"version":1,"tcp":{"rto_min_ms":"fast"}}`,
		`{"version":1,"tcp":{"rto_min_ms":-5}}`,
		`{"version":1,"admin":{"listen":"nocolon"}}`,
		`{"version":0}`,
	} {
		if _, err := Decode([]byte(bad)); err == nil {
			t.Errorf("Decode(%s) accepted", bad)
		}
	}
}

func TestPassword(t *testing.T) {
	h, err := HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	c := Defaults()
	c.Admin.PasswordHash = h
	if err := Validate(&c); err != nil {
		t.Fatal(err)
	}
	if !CheckPassword(h, "correct horse") || CheckPassword(h, "correct horsf") || CheckPassword("junk", "") {
		t.Fatal("CheckPassword wrong")
	}
	for _, f := range Fields(&c) {
		if f.Path == "admin.password_hash" && f.Value != "(set)" {
			t.Fatalf("hash shown: %q", f.Value)
		}
	}
}
