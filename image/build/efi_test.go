package build

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tcpbox/tcpbox/hack/testbed"
)

// TestArm64BootPartitionEFI checks that an arm64 boot partition carries
// the loader it was given as EFI/BOOT/BOOTAA64.EFI beside the loader entry
// systemd-boot reads, and no x86 loader.
func TestArm64BootPartitionEFI(t *testing.T) {
	testbed.Tools(t, "fsck.fat", "mcopy")
	c := testConfig(t, "arm64")
	loader := bytes.Repeat([]byte("MZ stand-in for systemd-bootaa64.efi\n"), 100)
	c.EFILoader = filepath.Join(t.TempDir(), "loader.efi")
	if err := os.WriteFile(c.EFILoader, loader, 0o644); err != nil {
		t.Fatal(err)
	}
	c.RequireEFI = true
	img, line, err := BootFAT(c)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "boot.fat")
	if err := os.WriteFile(p, img, 0o644); err != nil {
		t.Fatal(err)
	}
	testbed.Run(t, "fsck.fat", "-n", p)
	dir := t.TempDir()
	testbed.Run(t, "mcopy", "-i", p, "-s", "-n", "::/", dir)
	if b, err := os.ReadFile(filepath.Join(dir, "EFI/BOOT/BOOTAA64.EFI")); err != nil || !bytes.Equal(b, loader) {
		t.Errorf("EFI/BOOT/BOOTAA64.EFI is not the given loader (%v)", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "EFI/BOOT/BOOTX64.EFI")); err == nil {
		t.Error("the arm64 image carries an x86 UEFI loader")
	}
	entry, err := os.ReadFile(filepath.Join(dir, "loader/entries/gokrazy.conf"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"linux /vmlinuz\n", "options " + line, "console=ttyAMA0,115200"} {
		if !strings.Contains(string(entry), want) {
			t.Errorf("loader entry lacks %q:\n%s", want, entry)
		}
	}
}

// TestEFILoaderMissing checks each case of a missing loader: an optional
// one (arm64 without hack/fetch-efi-arm64.sh) is left out, unless UEFI is
// required or a path was given; a required one (amd64) is an error naming
// where it comes from.
func TestEFILoaderMissing(t *testing.T) {
	gone := filepath.Join(t.TempDir(), "absent.efi")
	arm := targets["arm64"]
	arm.efiSrc = gone
	amd := targets["amd64"]
	amd.efiSrc = gone
	for _, tc := range []struct {
		name    string
		t       target
		c       Config
		wantErr string // "" for none
	}{
		{"arm64 optional", arm, Config{Target: "arm64"}, ""},
		{"arm64 required", arm, Config{Target: "arm64", RequireEFI: true}, "hack/fetch-efi-arm64.sh"},
		{"arm64 given path", arm, Config{Target: "arm64", EFILoader: gone}, "hack/fetch-efi-arm64.sh"},
		{"amd64", amd, Config{Target: "amd64"}, "systemd-boot-efi"},
		{"pi required", targets["pi"], Config{Target: "pi", RequireEFI: true}, "no UEFI boot"},
		{"pi", targets["pi"], Config{Target: "pi"}, ""},
	} {
		files := map[string][]byte{}
		err := efiLoader(&tc.c, tc.t, files)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%s: error %v, want one mentioning %q", tc.name, err, tc.wantErr)
		}
		if len(files) != 0 {
			t.Errorf("%s: added %d files", tc.name, len(files))
		}
	}
}
