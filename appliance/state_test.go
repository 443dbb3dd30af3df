package appliance

import (
	"net/netip"
	"os"
	"path/filepath"
	"testing"
)

func TestDHCPAddrState(t *testing.T) {
	dir := t.TempDir()
	if a, err := loadDHCPAddr(dir); err != nil || a.IsValid() {
		t.Fatalf("empty dir: %v %v", a, err)
	}
	want := netip.MustParseAddr("198.18.0.50")
	if err := saveDHCPAddr(dir, want); err != nil {
		t.Fatal(err)
	}
	if a, err := loadDHCPAddr(dir); err != nil || a != want {
		t.Fatalf("round trip: %v %v", a, err)
	}
	// No temporary files are left behind.
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 || ents[0].Name() != dhcpAddrFile {
		t.Fatalf("dir holds %v", ents)
	}
	os.WriteFile(filepath.Join(dir, dhcpAddrFile), []byte("not an address\n"), 0o644)
	if a, err := loadDHCPAddr(dir); err == nil || a.IsValid() {
		t.Fatalf("garbage accepted: %v", a)
	}
	if err := saveDHCPAddr(filepath.Join(dir, "missing"), want); err == nil {
		t.Fatal("save into a missing directory succeeded")
	}
}
