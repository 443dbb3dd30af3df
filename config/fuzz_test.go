package config

import (
	"os"
	"testing"
)

// FuzzDecode: the loader never panics, and whatever it accepts encodes and
// decodes back to the same configuration.
func FuzzDecode(f *testing.F) {
	c := Defaults()
	b, _ := Encode(&c)
	f.Add(b)
	if v1, err := os.ReadFile("testdata/v1.json"); err == nil {
		f.Add(v1)
	}
	f.Add([]byte(`{"version":2,"profiles":{"x":{"congestion":"bbr"}}}`))
	f.Add([]byte(`{"version":1,"tcp":{"rto_min_ms":5}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Decode(data)
		if err != nil {
			return
		}
		enc, err := Encode(&c)
		if err != nil {
			t.Fatal(err)
		}
		back, err := Decode(enc)
		if err != nil {
			t.Fatalf("re-decode of an accepted file: %v", err)
		}
		enc2, _ := Encode(&back)
		if string(enc) != string(enc2) {
			t.Fatal("round trip differs")
		}
	})
}

// FuzzSet: setting any path to any text never panics, and a successful
// Set leaves a configuration that encodes and decodes (validation may
// still refuse it).
func FuzzSet(f *testing.F) {
	f.Add("tcp.mss_clamp", "20")
	f.Add("profiles.bulk.congestion", "vegas")
	f.Add("tcp.delayed_ack", "-5ms")
	f.Add("services.http_file.quota", "99999999999999999999")
	f.Add("profiles..x", "1")
	f.Add("link", "eth1")
	f.Fuzz(func(t *testing.T, path, value string) {
		c := Defaults()
		if err := Set(&c, path, value); err != nil {
			return
		}
		_ = Validate(&c)
		if _, err := Encode(&c); err != nil {
			t.Fatal(err)
		}
	})
}
