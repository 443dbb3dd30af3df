package gpt

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/tcpbox/tcpbox/hack/testbed"
	"github.com/tcpbox/tcpbox/image/internal/imagetest"
)

func TestGUIDRoundTrip(t *testing.T) {
	const s = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"
	g := MustGUID(s)
	// On disk the first three fields are little endian.
	if g[0] != 0x28 || g[3] != 0xc1 || g[4] != 0x1f || g[6] != 0xd2 || g[8] != 0xba {
		t.Fatalf("byte order: % x", g)
	}
	if g.String() != s {
		t.Fatalf("String() = %s", g)
	}
	for _, bad := range []string{"", "C12A7328F81F11D2BA4B00A0C93EC93B", "C12A7328-F81F-11D2-BA4B-00A0C93EC93X"} {
		if _, err := ParseGUID(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func gokrazyLayout(sectors uint64) Table {
	const mib = 2048
	return Table{
		Disk:         MustGUID("60C24CC1-F3F9-427A-8199-12345678AB00"),
		Sectors:      sectors,
		MBRSignature: 0x12345678,
		HybridBoot:   true,
		Partitions: []Partition{
			{Type: TypeEFISystem, GUID: MustGUID("60C24CC1-F3F9-427A-8199-12345678AB01"), Start: 8192, Sectors: 100 * mib, Name: "boot"},
			{Type: TypeLinuxRootX64, GUID: MustGUID("60C24CC1-F3F9-427A-8199-12345678AB02"), Start: 8192 + 100*mib, Sectors: 500 * mib, Name: "root A"},
			{Type: TypeLinuxFS, GUID: MustGUID("60C24CC1-F3F9-427A-8199-12345678AB03"), Start: 8192 + 600*mib, Sectors: 500 * mib, Name: "root B"},
			{Type: TypeLinuxFS, GUID: MustGUID("60C24CC1-F3F9-427A-8199-12345678AB04"), Start: 8192 + 1100*mib, Sectors: LastUsable(sectors) + 1 - (8192 + 1100*mib), Name: "perm"},
		},
	}
}

func TestSgdiskFdisk(t *testing.T) {
	testbed.Tools(t, "sgdisk", "fdisk")
	const sectors = 1300 * 2048
	f := imagetest.Blank(t, "disk.img", sectors*SectorSize)
	if err := Write(f, gokrazyLayout(sectors)); err != nil {
		t.Fatal(err)
	}
	p := f.Name()
	out, err := exec.Command("sgdisk", "-v", p).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "No problems found") {
		t.Fatalf("sgdisk -v: %v\n%s", err, out)
	}
	out, err = exec.Command("sgdisk", "-i", "2", p).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "60C24CC1-F3F9-427A-8199-12345678AB02") || !strings.Contains(string(out), "First sector: 212992") {
		t.Fatalf("sgdisk -i 2: %v\n%s", err, out)
	}
	out, err = exec.Command("fdisk", "-l", p).CombinedOutput()
	if err != nil {
		t.Fatalf("fdisk -l: %v\n%s", err, out)
	}
	for _, want := range []string{"Disklabel type: gpt", "60C24CC1-F3F9-427A-8199-12345678AB00", "EFI System", "Linux root (x86-64)", "1236992"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("fdisk -l lacks %q:\n%s", want, out)
		}
	}
	// The hybrid MBR, as the Pi boot ROM reads it.
	out, err = exec.Command("fdisk", "-l", "-t", "dos", p).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "0x12345678") || !strings.Contains(string(out), "W95 FAT32 (LBA)") || !strings.Contains(string(out), "GPT") {
		t.Errorf("fdisk -t dos: %v\n%s", err, out)
	}
}

func TestRejects(t *testing.T) {
	tb := gokrazyLayout(1300 * 2048)
	tb.Partitions[1].Start -= 10 // overlaps the boot partition
	if err := Write(discard{}, tb); err == nil {
		t.Error("overlap accepted")
	}
	tb = gokrazyLayout(1300 * 2048)
	tb.Partitions[3].Sectors += 1 // into the backup table
	if err := Write(discard{}, tb); err == nil {
		t.Error("partition over the backup GPT accepted")
	}
}

type discard struct{}

func (discard) WriteAt(p []byte, off int64) (int, error) { return len(p), nil }

func FuzzParseGUID(f *testing.F) {
	for _, s := range []string{"C12A7328-F81F-11D2-BA4B-00A0C93EC93B", "60c24cc1-f3f9-427a-8199-12345678ab00", "", "----", "C12A7328-F81F-11D2-BA4B-00A0C93EC93"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		g, err := ParseGUID(s)
		if err != nil {
			return
		}
		// A parsed GUID prints as the same text, up to case.
		if !strings.EqualFold(g.String(), s) {
			t.Fatalf("%q parsed and printed as %q", s, g)
		}
	})
}
