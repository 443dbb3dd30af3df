package fat

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tcpbox/tcpbox/hack/testbed"
)

// sample returns files covering the cases that matter: 8.3 names, lower
// case, long names, names that collide after truncation, nested
// directories, an empty file, a file of exactly one cluster and a
// directory spanning several clusters.
func sample() map[string][]byte {
	files := map[string][]byte{
		"VMLINUZ":                     bytes.Repeat([]byte{0xa5}, 3*ClusterSize+17),
		"cmdline.txt":                 []byte("root=PARTUUID=x/PARTNROFF=1 init=/gokrazy/init\n"),
		"config.txt":                  []byte("enable_uart=1\n"),
		"empty":                       nil,
		"one-cluster.bin":             bytes.Repeat([]byte{1}, ClusterSize),
		"loader/entries/gokrazy.conf": []byte("linux /vmlinuz\noptions x\n"),
		"EFI/BOOT/BOOTX64.EFI":        []byte("MZ not really"),
		"bcm2711-rpi-4-b.dtb":         []byte("dtb four"),
		"bcm2712-rpi-5-b.dtb":         []byte("dtb five"),
		"a name with spaces.txt":      []byte("spaces"),
	}
	for i := 0; i < 300; i++ {
		files[fmt.Sprintf("overlays/overlay-number-%03d.dtbo", i)] = []byte(fmt.Sprintf("overlay %d", i))
	}
	return files
}

func build(t *testing.T, files map[string][]byte, size int64) []byte {
	t.Helper()
	fs := New()
	for p, d := range files {
		if err := fs.Add(p, d); err != nil {
			t.Fatal(err)
		}
	}
	img, err := fs.Image(Options{Size: size, HiddenSectors: 8192, VolumeID: 0x1234abcd, Label: "BOOT"})
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestFsckAndMtoolsReadBack(t *testing.T) {
	testbed.Tools(t, "fsck.fat", "mcopy", "mdir")
	files := sample()
	img := build(t, files, 32<<20)
	dir := t.TempDir()
	p := filepath.Join(dir, "boot.img")
	if err := os.WriteFile(p, img, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("fsck.fat", "-n", "-v", p).CombinedOutput()
	if err != nil {
		t.Fatalf("fsck.fat -n: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "16 bit entries") {
		t.Errorf("fsck.fat does not see FAT16:\n%s", out)
	}
	for _, bad := range []string{"differ", "invalid", "Free cluster summary", "Unable"} {
		if strings.Contains(string(out), bad) {
			t.Errorf("fsck.fat reports %q:\n%s", bad, out)
		}
	}
	out, err = exec.Command("mdir", "-i", p, "-/", "::/").CombinedOutput()
	if err != nil {
		t.Fatalf("mdir: %v\n%s", err, out)
	}
	for _, name := range []string{"cmdline.txt", "overlay-number-299.dtbo", "a name with spaces.txt"} {
		if !strings.Contains(string(out), name) {
			t.Errorf("mdir does not list %q", name)
		}
	}
	// mcopy every file back out and compare.
	outDir := filepath.Join(dir, "out")
	if out, err := exec.Command("mcopy", "-i", p, "-s", "-n", "::/", outDir).CombinedOutput(); err != nil {
		t.Fatalf("mcopy: %v\n%s", err, out)
	}
	n := 0
	filepath.Walk(outDir, func(path string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			n++
		}
		return nil
	})
	if n != len(files) {
		t.Errorf("mcopy extracted %d files, want %d", n, len(files))
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(outDir, name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: read back %d bytes differing from the %d written", name, len(got), len(want))
		}
	}
}

func TestDeterministic(t *testing.T) {
	a := sha256.Sum256(build(t, sample(), 16<<20))
	b := sha256.Sum256(build(t, sample(), 16<<20))
	if a != b {
		t.Fatal("two builds of the same files differ")
	}
}

func TestContiguousFiles(t *testing.T) {
	// gokrazy edits cmdline.txt in place through its extent, so every file
	// must occupy one run of clusters. Check the chain of each file in the
	// FAT is consecutive.
	fs := New()
	for p, d := range sample() {
		fs.Add(p, d)
	}
	img, err := fs.Image(Options{Size: 16 << 20})
	if err != nil {
		t.Fatal(err)
	}
	var check func(n *node)
	fatOff := reservedSectors * SectorSize
	check = func(n *node) {
		for _, c := range n.children {
			for i := uint32(0); i < c.clusters; i++ {
				v := uint16(img[fatOff+2*int(c.cluster+i)]) | uint16(img[fatOff+2*int(c.cluster+i)+1])<<8
				want := uint16(c.cluster + i + 1)
				if i == c.clusters-1 {
					want = 0xffff
				}
				if v != want {
					t.Fatalf("%s: FAT[%d] = %#x, want %#x", c.name, c.cluster+i, v, want)
				}
			}
			if c.dir {
				check(c)
			}
		}
	}
	check(fs.root)
}

func TestTooSmall(t *testing.T) {
	fs := New()
	fs.Add("big", make([]byte, 12<<20))
	if _, err := fs.Image(Options{Size: 10 << 20}); err == nil {
		t.Fatal("12 MiB file fitted into 10 MiB")
	}
	if _, err := New().Image(Options{Size: 1 << 20}); err == nil {
		t.Fatal("1 MiB accepted although FAT16 needs at least 4085 clusters")
	}
}

func TestGokrazyShortNames(t *testing.T) {
	// gokrazy's updater finds files by the short name its own generator
	// derives: these must match.
	for long, want := range map[string]string{
		"cmdline.txt":  "CMDLINE TXT",
		"gokrazy.conf": "GOKRAZ~1CON",
		"vmlinuz":      "VMLINUZ    ",
		"entries":      "ENTRIES    ",
	} {
		sn, _ := shortName(long, map[[11]byte]bool{})
		if string(sn[:]) != want {
			t.Errorf("shortName(%q) = %q, want %q", long, sn, want)
		}
	}
}

func FuzzShortName(f *testing.F) {
	for _, s := range []string{"cmdline.txt", "gokrazy.conf", ".hidden", "a b.c.d", "ÄÖü.txt", "", "........"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		taken := map[[11]byte]bool{}
		a, _ := shortName(name, taken)
		b, _ := shortName(name, taken)
		if a == b {
			t.Fatalf("%q: same short name twice: %q", name, a)
		}
		for _, c := range a {
			if c != ' ' && !validShort(c) {
				t.Fatalf("%q: invalid character %q in %q", name, c, a)
			}
		}
		buf := make([]byte, 32*lfnSlots(name))
		if putLFN(buf, name, a) != len(buf) {
			t.Fatal("putLFN wrote a different number of slots than lfnSlots counted")
		}
	})
}
