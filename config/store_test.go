package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestStoreFirstStartAndSave(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	s, warn, err := Open(dir)
	if err != nil || warn != "" {
		t.Fatalf("Open: %v %q", err, warn)
	}
	for _, n := range []string{FileName, GoodName} {
		if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
			t.Fatalf("first start did not write %s: %v", n, err)
		}
	}
	c := s.Get()
	c.Services.FramedEcho.Profile = "rr"
	if err := s.Save(c); err != nil {
		t.Fatal(err)
	}
	// Get returns a copy: changing it changes nothing.
	g := s.Get()
	g.Profiles["rr"] = Profile{}
	if s.Get().Profiles["rr"].Congestion != "newreno" {
		t.Fatal("Get shares the profile map")
	}
	s2, warn, err := Open(dir)
	if err != nil || warn != "" {
		t.Fatalf("reopen: %v %q", err, warn)
	}
	if s2.Get().Services.FramedEcho.Profile != "rr" {
		t.Fatal("saved change not loaded")
	}
}

func TestStoreRefusesInvalidAndChangesNothing(t *testing.T) {
	dir := t.TempDir()
	s, _, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(filepath.Join(dir, FileName))
	c := s.Get()
	c.TCP.MSSClamp = 20
	err = s.Save(c)
	var es Errors
	if !errors.As(err, &es) || es.For("tcp.mss_clamp") == nil {
		t.Fatalf("Save = %v", err)
	}
	after, _ := os.ReadFile(filepath.Join(dir, FileName))
	if string(before) != string(after) || s.Get().TCP.MSSClamp != 0 {
		t.Fatal("an invalid save changed something")
	}
}

func TestStoreCorruptFallsBackToGood(t *testing.T) {
	dir := t.TempDir()
	s, _, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	c := s.Get()
	c.Link.MTU = 1400
	if err := s.Save(c); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{`{"version":2,"link":{"mtu":`, `{"version":2,"tcp":{"mss_clamp":20}}`, "\x00\x01"} {
		if err := os.WriteFile(filepath.Join(dir, FileName), []byte(bad), 0o600); err != nil {
			t.Fatal(err)
		}
		s2, warn, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(warn, "last good copy") || s2.Warning() != warn {
			t.Errorf("warning %q", warn)
		}
		if s2.Get().Link.MTU != 1400 {
			t.Errorf("did not start with the good copy: MTU %d", s2.Get().Link.MTU)
		}
		kept, _ := os.ReadFile(filepath.Join(dir, RejectedName))
		if string(kept) != bad {
			t.Errorf("rejected file not kept: %q", kept)
		}
	}
	// Both broken: defaults, and a warning that says so.
	os.WriteFile(filepath.Join(dir, GoodName), []byte("{"), 0o600)
	s3, warn, err := Open(dir)
	if err != nil || !strings.Contains(warn, "started with the defaults") || s3.Get().Link.MTU != 1500 {
		t.Fatalf("both broken: %v %q", err, warn)
	}
	// Missing main file, good copy present.
	s.Save(c)
	os.Remove(filepath.Join(dir, FileName))
	s4, warn, err := Open(dir)
	if err != nil || !strings.Contains(warn, "missing") || s4.Get().Link.MTU != 1400 {
		t.Fatalf("missing: %v %q", err, warn)
	}
}

func TestStoreRemovesTemps(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, tmpPrefix+FileName+"-123")
	os.WriteFile(stale, []byte("half"), 0o600)
	if _, _, err := Open(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Fatal("stale temp file left")
	}
}
